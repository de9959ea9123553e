using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>Usage errors in a Unix tool's words, exit 2, for every option of both tools (issue 10, item 6); --version.</summary>
public sealed class UsageTests
{
    [Theory]
    [InlineData("rawexitsnoop: --pid: 'abc' is not a process id", "--pid", "abc")]
    [InlineData("rawexitsnoop: --pid: '-1' is not a process id", "-p", "-1")]
    [InlineData("rawexitsnoop: option '--pid' needs a value", "--pid")]
    [InlineData("rawexitsnoop: --uid: 'x' is not a user id (0 to 4294967294)", "--uid", "x")]
    [InlineData("rawexitsnoop: --uid: '4294967295' is not a user id (0 to 4294967294)", "-u", "4294967295")]
    [InlineData("rawexitsnoop: --count: 'many' is not a positive count", "--count", "many")]
    [InlineData("rawexitsnoop: --count: '0' is not a positive count", "-c", "0")]
    [InlineData("rawexitsnoop: --duration: 'soon' is not a number of seconds above 0 and at most 4294967", "--duration", "soon")]
    [InlineData("rawexitsnoop: --duration: 'NaN' is not a number of seconds above 0 and at most 4294967", "-d", "NaN")]
    [InlineData("rawexitsnoop: --ring-size: 'big' is not a power of two from 4 to 1048576 (KiB)", "--ring-size", "big")]
    [InlineData("rawexitsnoop: --ring-size: '12' is not a power of two from 4 to 1048576 (KiB)", "--ring-size", "12")]
    [InlineData("rawexitsnoop: option '--cgroup' needs a value", "--cgroup")]
    [InlineData("rawexitsnoop: option '--btf' needs a value", "--btf")]
    [InlineData("rawexitsnoop: unknown option '--bogus'", "--bogus")]
    [InlineData("rawexitsnoop: unexpected argument 'extra'", "extra")]
    public void RawexitsnoopUsageErrorsReadLikeAUnixTool(string expected, params string[] arguments) =>
        AssertUsageError(RawExitSnoopBinary.Path, expected, arguments);

    [Theory]
    [InlineData("rawbpf: missing command (btf, prog, link, object, net, gen, struct_ops)")]
    [InlineData("rawbpf: unknown option '--bogus'", "--bogus")]
    [InlineData("rawbpf: object: missing OBJ", "object")]
    [InlineData("rawbpf: option '--btf' needs a value", "object", "x.o", "--btf")]
    [InlineData("rawbpf: prog loadall: missing PINDIR", "prog", "loadall", "x.o")]
    [InlineData("rawbpf: option '--pinmaps' needs a value", "prog", "loadall", "x.o", "/sys/fs/bpf/x", "--pinmaps")]
    [InlineData("rawbpf: btf dump: missing command (file)", "btf", "dump")]
    [InlineData("rawbpf: gen skeleton: missing OBJ", "gen", "skeleton")]
    [InlineData("rawbpf: struct_ops: missing command (register, unregister, show)", "struct_ops")]
    [InlineData("rawbpf: struct_ops register: missing OBJ", "struct_ops", "register")]
    [InlineData("rawbpf: unexpected argument 'extra'", "struct_ops", "register", "x.o", "/sys/fs/bpf/x", "extra")]
    [InlineData("rawbpf: option '--namespace' needs a value", "gen", "skeleton", "x.o", "--namespace")]
    [InlineData("rawbpf: btf dump file: missing PATH", "btf", "dump", "file")]
    [InlineData("rawbpf: option '--base' needs a value", "btf", "dump", "file", "x", "--base")]
    [InlineData("rawbpf: btf dump file: expecting value for 'format'", "btf", "dump", "file", "x", "format")]
    [InlineData("rawbpf: btf dump file: unrecognized format specifier: 'json', possible values: raw, c", "btf", "dump", "file", "x", "format", "json")]
    [InlineData("rawbpf: btf dump file: unrecognized option: 'c'", "btf", "dump", "file", "x", "c")]
    [InlineData("rawbpf: unexpected argument 'extra'", "btf", "dump", "file", "x", "format", "c", "extra")]
    public void RawbpfUsageErrorsReadLikeAUnixTool(string expected, params string[] arguments) =>
        AssertUsageError(RawbpfBinary.Path, expected, arguments);

    private static void AssertUsageError(string tool, string expected, string[] arguments)
    {
        var result = ExternalTool.Run(tool, arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected, lines[0]);
        var name = Path.GetFileName(tool);
        Assert.Equal($"Try '{name} --help' for more information.", lines[^1]);
        Assert.DoesNotContain("System.", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rawexitsnoop")]
    [InlineData("rawbpf")]
    public void VersionNamesTheToolAndTheCommit(string tool)
    {
        var result = ExternalTool.Run(RepoPaths.PublishedTool(tool), "--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches($@"^{tool} [0-9]+\.[0-9]+\.[0-9]+ \(([0-9a-f]{{12}}|commit unknown)\)\n$", result.StandardOutputText);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public void HelpStatesExitCodesAndWhatAnAbsentFilterMeans()
    {
        var help = ExternalTool.Run(RawExitSnoopBinary.Path, "--help").StandardOutputText.ReplaceLineEndings(" ");

        Assert.Contains("Exit status: 0 when it stops", help, StringComparison.Ordinal);
        Assert.Contains("1 on an error", help, StringComparison.Ordinal);
        Assert.Contains("2 on a bad command line", help, StringComparison.Ordinal);
        Assert.Contains("(absent or 0: every process)", help, StringComparison.Ordinal);
        Assert.Contains("(absent: every user)", help, StringComparison.Ordinal);
    }
}
