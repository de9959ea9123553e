using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>
/// <c>rawbpf btf dump file F format c</c> run as a user runs it (the published binary): bpftool's vmlinux.h byte for
/// byte, and a header a libbpf-style program compiles against and loads with.
/// </summary>
public sealed class RawbpfBtfHeaderTests
{
    private const string Vmlinux = "/sys/kernel/btf/vmlinux";

    private static readonly string SmokeSource = Path.Combine(AppContext.BaseDirectory, "TestData", "vmlinux_smoke.bpf.c");

    private static byte[] RawbpfHeader()
    {
        var result = ExternalTool.Run(RawbpfBinary.Path, "btf", "dump", "file", Vmlinux, "format", "c");
        Assert.Equal("", result.StandardError);
        Assert.Equal(0, result.ExitCode);
        return result.StandardOutput;
    }

    [Fact]
    public void Vmlinux_header_is_byte_identical_to_bpftools()
    {
        var expected = ExternalTool.RunChecked("bpftool", "btf", "dump", "file", Vmlinux, "format", "c");
        var actual = RawbpfHeader();
        var expectedLines = System.Text.Encoding.UTF8.GetString(expected).Split('\n');
        var actualLines = System.Text.Encoding.UTF8.GetString(actual).Split('\n');
        var firstDifference = expectedLines.Zip(actualLines).Select((pair, index) => (pair, index)).FirstOrDefault(line => line.pair.First != line.pair.Second);
        Assert.True(expected.AsSpan().SequenceEqual(actual),
            $"line {firstDifference.index + 1}: expected '{firstDifference.pair.First}', got '{firstDifference.pair.Second}' ({expectedLines.Length} vs {actualLines.Length} lines)");
        Assert.StartsWith("#ifndef __VMLINUX_H__\n", System.Text.Encoding.UTF8.GetString(actual), StringComparison.Ordinal);
    }

    [Fact]
    public void Program_built_on_the_header_loads_under_libbpf_and_rawbpf_with_identical_code()
    {
        using var pins = new PinDirectories();
        File.WriteAllBytes(Path.Combine(pins.Scratch, "vmlinux.h"), RawbpfHeader());
        var objectPath = Path.Combine(pins.Scratch, "vmlinux_smoke.bpf.o");
        ExternalTool.RunChecked("clang", "-g", "-O2", "--target=bpf", "-I", pins.Scratch, "-c", SmokeSource, "-o", objectPath);

        pins.LoadBoth(objectPath);

        var expected = RawbpfLoadAllTests.Xlated(Path.Combine(pins.Libbpf, "vmlinux_smoke"));
        Assert.Contains("parent_tgid = BPF_CORE_READ(task, real_parent, tgid);", expected, StringComparison.Ordinal);
        Assert.Equal(expected, RawbpfLoadAllTests.Xlated(Path.Combine(pins.Rawbpf, "vmlinux_smoke")));
    }
}
