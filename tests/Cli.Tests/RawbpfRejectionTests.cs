using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>How <c>rawbpf prog loadall</c> reports programs the verifier refuses: one clear line, then the log's tail.</summary>
public sealed class RawbpfRejectionTests
{
    private static string PoisonedObject => Path.Combine(RepoPaths.TestBpfObjects, "rejected", "core_poisoned.bpf.o");

    [Fact]
    public void Poisoned_core_read_names_the_relocation_and_its_source_line()
    {
        using var pins = new PinDirectories();
        var result = RawbpfProcess.Run("prog", "loadall", PoisonedObject, pins.Rawbpf);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        var lines = result.StandardError.Split('\n');
        var verdict = lines[0];
        var sourceLine = SourceLineOf("core_poisoned.bpf.c", "missing_value = task->rawbpf_field_no_kernel_has;");
        Assert.StartsWith("rawbpf: program 'read_missing_field' was rejected by the verifier", verdict, StringComparison.Ordinal);
        // The local type and access string as libbpf prints a spec, then where in the source the read is.
        Assert.Contains("struct task_struct___rawbpf.rawbpf_field_no_kernel_has (0:0 @ offset 0)", verdict, StringComparison.Ordinal);
        Assert.Contains($"core_poisoned.bpf.c:{sourceLine}: missing_value = task->rawbpf_field_no_kernel_has;", verdict, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown", verdict, StringComparison.Ordinal);
        // The verifier's own words follow, for whoever wants them.
        Assert.Contains("invalid func unknown#195896080", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(pins.Rawbpf) && Directory.EnumerateFileSystemEntries(pins.Rawbpf).Any());
    }

    [Fact]
    public void Verifier_rejection_gives_the_verdict_and_the_log_tail_with_source_lines()
    {
        using var pins = new PinDirectories();
        var result = RawbpfProcess.Run("prog", "loadall", Path.Combine(RepoPaths.TestBpfObjects, "verifier_reject.bpf.o"), pins.Rawbpf);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        var lines = result.StandardError.Split('\n');
        Assert.Equal("rawbpf: program 'unchecked_lookup' was rejected by the verifier (EACCES): R0 invalid mem access 'map_value_or_null'", lines[0]);
        var line = SourceLineOf("verifier_reject.bpf.c", "return *counter + 1; /*");
        Assert.Contains($"; return *counter + 1; /* no NULL check: the verifier must refuse this */ @ verifier_reject.bpf.c:{line}", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(pins.Rawbpf) && Directory.EnumerateFileSystemEntries(pins.Rawbpf).Any());
    }

    [Fact]
    public void Bpftool_rejects_the_poisoned_object_too()
    {
        // The oracle agrees the object cannot load (so the test object, not rawbpf, is what is wrong with it).
        using var pins = new PinDirectories();
        var result = ExternalTool.Run("bpftool", "prog", "loadall", PoisonedObject, pins.Libbpf);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("failed to resolve CO-RE relocation <byte_off> [5] struct task_struct___rawbpf.rawbpf_field_no_kernel_has (0:0 @ offset 0)", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("prog", "loadall")]
    [InlineData("prog", "loadall", "only-an-object.o")]
    [InlineData("object")]
    public void Missing_arguments_are_usage_errors(params string[] arguments)
    {
        var result = RawbpfProcess.Run(arguments);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("rawbpf: ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_object_is_one_line_and_exit_code_1()
    {
        using var pins = new PinDirectories();
        var result = RawbpfProcess.Run("prog", "loadall", "/nonexistent/x.bpf.o", pins.Rawbpf);
        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.StandardError.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("rawbpf: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/x.bpf.o", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The 1-based line of <paramref name="text"/> in a test program's source.</summary>
    private static int SourceLineOf(string fileName, string text)
    {
        var path = Directory.GetFiles(Path.Combine(RepoPaths.Root, "tests", "bpf"), fileName, SearchOption.AllDirectories).Single();
        var lines = File.ReadAllLines(path);
        return Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal)) + 1;
    }
}
