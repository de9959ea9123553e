using RawBpf.BtfCore;
using RawBpf.BtfCore.Tests;
using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>`rawbpf btf dump file` run as a process, against bpftool's output and for its error contract.</summary>
public sealed class RawbpfBtfDumpTests(SplitBtfFixture split) : IClassFixture<SplitBtfFixture>
{
    private static ExternalTool.Result RunCli(params string[] arguments) => ExternalTool.Run(RawbpfBinary.Path, arguments);

    [Fact]
    public void Vmlinux_dump_is_byte_identical_to_bpftool()
    {
        var expected = ExternalTool.RunChecked("bpftool", "btf", "dump", "file", BtfFiles.Vmlinux);
        var result = RunCli("btf", "dump", "file", BtfFiles.Vmlinux);
        Assert.Equal("", result.StandardError);
        Assert.Equal(0, result.ExitCode);
        DumpAssert.SameBytes(expected, result.StandardOutput, "rawbpf btf dump file vmlinux");
    }

    [Fact]
    public void Every_object_dump_is_byte_identical_to_bpftool()
    {
        foreach (var path in RepoPaths.AllBpfObjects())
        {
            var expected = ExternalTool.RunChecked("bpftool", "btf", "dump", "file", path);
            var result = RunCli("btf", "dump", "file", path);
            Assert.Equal(0, result.ExitCode);
            DumpAssert.SameBytes(expected, result.StandardOutput, path);
        }
    }

    [Theory]
    [InlineData("--base")]
    [InlineData("-B")]
    public void Split_btf_with_base_option_matches_bpftool(string option)
    {
        var expected = ExternalTool.RunChecked("bpftool", "-B", BtfFiles.Vmlinux, "btf", "dump", "file", split.ElfPath);
        var after = RunCli("btf", "dump", "file", split.ElfPath, option, BtfFiles.Vmlinux);
        var before = RunCli(option, BtfFiles.Vmlinux, "btf", "dump", "file", split.RawPath);
        Assert.Equal(0, after.ExitCode);
        Assert.Equal(0, before.ExitCode);
        DumpAssert.SameBytes(expected, after.StandardOutput, split.ElfPath);
        DumpAssert.SameBytes(expected, before.StandardOutput, split.RawPath);
    }

    [Fact]
    public void Split_btf_c_header_with_base_option_matches_bpftool()
    {
        var expected = ExternalTool.RunChecked("bpftool", "-B", BtfFiles.Vmlinux, "btf", "dump", "file", split.RawPath, "format", "c");
        var result = RunCli("btf", "dump", "file", split.RawPath, "format", "c", "--base", BtfFiles.Vmlinux);
        Assert.Equal("", result.StandardError);
        Assert.Equal(0, result.ExitCode);
        DumpAssert.SameBytes(expected, result.StandardOutput, split.RawPath);
    }

    [Fact]
    public void Explicit_raw_format_is_the_default_dump()
    {
        var result = RunCli("btf", "dump", "file", split.ElfPath, "format", "raw", "--base", BtfFiles.Vmlinux);
        Assert.Equal(0, result.ExitCode);
        DumpAssert.SameBytes(RunCli("btf", "dump", "file", split.ElfPath, "--base", BtfFiles.Vmlinux).StandardOutput, result.StandardOutput, split.ElfPath);
    }

    [Fact]
    public void Missing_file_is_one_line_on_stderr_and_exit_code_1()
    {
        var result = RunCli("btf", "dump", "file", "/nonexistent/vmlinux");
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.Equal("rawbpf: /nonexistent/vmlinux: cannot open BTF file: no such file or directory\n", result.StandardError);
    }

    [Fact]
    public void Malformed_btf_names_file_and_offset_with_exit_code_1()
    {
        var path = Path.Combine(split.Directory, "bad-magic.btf");
        var bytes = File.ReadAllBytes(split.RawPath);
        bytes[0] = 0x12;
        File.WriteAllBytes(path, bytes);
        var result = RunCli("btf", "dump", "file", path);
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.Equal($"rawbpf: {path}: bad magic 0xeb12, expected 0xeb9f (at offset 0)\n", result.StandardError);
    }

    [Fact]
    public void Split_btf_without_its_base_fails_cleanly()
    {
        var result = RunCli("btf", "dump", "file", split.RawPath);
        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.StandardError.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"rawbpf: {split.RawPath}", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError);
    }

    [Theory]
    [InlineData("btf", "dump", "file")]
    [InlineData("btf", "dump")]
    [InlineData("btf", "dump", "file", "/sys/kernel/btf/vmlinux", "--no-such-option")]
    [InlineData("frobnicate")]
    public void Bad_arguments_exit_with_code_2(params string[] arguments)
    {
        var result = RunCli(arguments);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.StartsWith("rawbpf: ", result.StandardError);
    }

    [Fact]
    public void Help_exits_0()
    {
        var result = RunCli("btf", "dump", "file", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--base", result.StandardOutputText);
    }
}
