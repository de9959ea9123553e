using RawBpf.Skeleton;
using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>`rawbpf gen skeleton` run as a process: the generator's text, to stdout or a file, and its error contract.</summary>
public sealed class RawbpfGenSkeletonTests
{
    private static ExternalTool.Result RunCli(params string[] arguments) => ExternalTool.Run(RawbpfBinary.Path, arguments);

    private static string Exitsnoop => Path.Combine(RepoPaths.BpfObjects, "exitsnoop.bpf.o");

    [Fact]
    public void Writes_the_generators_skeleton_to_standard_output()
    {
        var result = RunCli("gen", "skeleton", Exitsnoop, "--namespace", "Demo", "--class", "Snoop");
        Assert.Equal("", result.StandardError);
        Assert.Equal(0, result.ExitCode);
        var expected = SkeletonGenerator.Generate(File.ReadAllBytes(Exitsnoop), Exitsnoop, new SkeletonOptions { Namespace = "Demo", ClassName = "Snoop" });
        Assert.Equal(expected, result.StandardOutputText);
        Assert.Contains("public sealed partial class Snoop", expected, StringComparison.Ordinal);
        Assert.Contains("public partial struct ExitsnoopEvent", expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Writes_the_file_that_output_names()
    {
        var output = Path.Combine(Path.GetTempPath(), $"gen-skeleton-{Environment.ProcessId}.cs");
        try
        {
            var result = RunCli("gen", "skeleton", Exitsnoop, "-o", output);
            Assert.Equal((0, "", ""), (result.ExitCode, result.StandardError, result.StandardOutputText));
            Assert.Contains("public sealed partial class ExitsnoopSkeleton", File.ReadAllText(output), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Theory]
    [InlineData("/nonexistent/x.bpf.o", null, "rawbpf: /nonexistent/x.bpf.o: cannot open BPF object: no such file or directory")]
    [InlineData(null, "/nonexistent/dir/x.cs", "rawbpf: /nonexistent/dir/x.cs: cannot write: no such file or directory")]
    public void Failures_are_one_line(string? input, string? output, string expected)
    {
        string[] arguments = output is null ? ["gen", "skeleton", input ?? Exitsnoop] : ["gen", "skeleton", input ?? Exitsnoop, "-o", output];
        var result = RunCli(arguments);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(expected + "\n", result.StandardError);
        Assert.Equal("", result.StandardOutputText);
    }

    [Fact]
    public void Bytes_that_are_no_object_are_refused_as_rawbpf_object_refuses_them()
    {
        var input = Path.Combine(Path.GetTempPath(), $"gen-skeleton-{Environment.ProcessId}.bpf.o");
        File.WriteAllBytes(input, new byte[100]);
        try
        {
            var result = RunCli("gen", "skeleton", input);
            Assert.Equal((1, $"rawbpf: {input}: ELF header: not an ELF file (bad magic) (at offset 0)\n", ""), (result.ExitCode, result.StandardError, result.StandardOutputText));
        }
        finally
        {
            File.Delete(input);
        }
    }
}
