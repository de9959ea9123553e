using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>
/// How the tools treat their standard streams: written at the shared offset like any Unix tool's (issue 10,
/// item 2), and closed (`&gt;&amp;-`, `2&gt;&amp;-`) or hung up (a closed terminal) as an ordinary end (item 10).
/// </summary>
[Collection(RawExitSnoopCollection.Name)]
public sealed class StandardStreamTests
{
    [Fact]
    public void OutputRedirectedWithOthersKeepsEveryLineInOrder()
    {
        using var log = new ScratchFile();
        var result = RunShellWhileExitsFlow($"{{ echo START; \"$0\" -c 2; echo END; }} > {log.Path}");

        Assert.Equal(0, result.ExitCode);
        var lines = File.ReadAllLines(log.Path);
        Assert.True(lines.Length == 5, string.Join("\n", lines));
        Assert.Equal("START", lines[0]);
        Assert.StartsWith("TIME ", lines[1], StringComparison.Ordinal);
        Assert.NotNull(TableRow.TryParse(lines[2], threads: false));
        Assert.NotNull(TableRow.TryParse(lines[3], threads: false));
        Assert.Equal("END", lines[4]);
        Assert.Matches(RawExitSnoopOutputTests.Summary(), result.StandardError.Trim());
    }

    [Fact]
    public void OutputAndErrorAppendedToOneFileInterleaveInOrder()
    {
        using var log = new ScratchFile();
        File.WriteAllText(log.Path, "BEFORE\n");
        var result = RunShellWhileExitsFlow($"{{ echo START; \"$0\" -c 2 --json; echo END; }} >> {log.Path} 2>&1");

        Assert.Equal(0, result.ExitCode);
        var lines = File.ReadAllLines(log.Path);
        Assert.True(lines.Length == 6, string.Join("\n", lines));
        Assert.Equal(["BEFORE", "START"], lines[..2]);
        Assert.All(lines[2..4], line => Json.Parse(line));
        Assert.Matches(RawExitSnoopOutputTests.Summary(), lines[4]);
        Assert.Equal("END", lines[5]);
    }

    [Fact]
    public void ClosedStdoutIsAnOrdinaryEnd()
    {
        using var exits = new ExitsFlowing();
        var result = Shell($"exec \"$0\" >&-", RawExitSnoopBinary.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public void ClosedStderrNeverCrashes()
    {
        using var exits = new ExitsFlowing();
        var traced = Shell("exec \"$0\" -c 3 2>&-", RawExitSnoopBinary.Path);
        Assert.Equal(0, traced.ExitCode);
        var lines = traced.StandardOutputText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("TIME ", lines[0], StringComparison.Ordinal);

        Assert.Equal(2, Shell("exec \"$0\" --bogus 2>&-", RawExitSnoopBinary.Path).ExitCode);
        Assert.Equal(1, Shell("exec \"$0\" --btf /nonexistent 2>&-", RawExitSnoopBinary.Path).ExitCode);
        Assert.Equal(1, Shell("exec \"$0\" object /nonexistent 2>&-", RawbpfBinary.Path).ExitCode);
        Assert.Equal(2, Shell("exec \"$0\" --bogus 2>&-", RawbpfBinary.Path).ExitCode);
    }

    [Fact]
    public void StopSignalWithClosedStderrEndsWithZero()
    {
        var result = Shell("\"$0\" 2>&- & pid=$!; sleep 1; kill -TERM $pid; wait $pid", RawExitSnoopBinary.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("TIME ", result.StandardOutputText, StringComparison.Ordinal);
    }

    [Fact]
    public void RawbpfWithClosedStdoutIsAnOrdinaryEnd()
    {
        var objectPath = Path.Combine(RepoPaths.BpfObjects, "exitsnoop.bpf.o");
        foreach (var arguments in new[] { $"object {objectPath}", "btf dump file /sys/kernel/btf/vmlinux", "--version", "--help" })
        {
            var result = Shell($"exec \"$0\" {arguments} >&-", RawbpfBinary.Path);
            Assert.True(result.ExitCode == 0, $"rawbpf {arguments} >&-: exit {result.ExitCode}, {result.StandardError}");
            Assert.Equal("", result.StandardError);
        }
        Assert.Equal(0, Shell("exec \"$0\" --version >&-", RawExitSnoopBinary.Path).ExitCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HungUpTerminalIsAnOrdinaryEnd(bool exitsFlowing)
    {
        // The tool on a pty of its own (its controlling terminal); closing the master hangs it up: SIGHUP, then
        // EIO on every write to it. The script prints the tool's wait status as "exit N" or "signal N".
        const string script = """
            import os, pty, select, sys, time
            pid, master = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            seen = b""
            deadline = time.monotonic() + 30
            while b"TIME " not in seen and time.monotonic() < deadline:
                if select.select([master], [], [], 1)[0]:
                    seen += os.read(master, 4096)
            time.sleep(0.3)
            os.close(master)
            _, status = os.waitpid(pid, 0)
            print(f"exit {os.WEXITSTATUS(status)}" if os.WIFEXITED(status) else f"signal {os.WTERMSIG(status)}")
            """;
        using var exits = exitsFlowing ? new ExitsFlowing() : null;
        var result = ExternalTool.Run("env", "--default-signal=INT,TERM,HUP", "python3", "-c", script, RawExitSnoopBinary.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("exit 0", result.StandardOutputText.Trim());
    }

    /// <summary>Runs a shell command line in which $0 is rawexitsnoop, while exits flow so that `-c N` ends.</summary>
    private static ExternalTool.Result RunShellWhileExitsFlow(string commandLine)
    {
        using var exits = new ExitsFlowing();
        return Shell(commandLine, RawExitSnoopBinary.Path);
    }

    private static ExternalTool.Result Shell(string commandLine, string tool) => ExternalTool.Run("/bin/sh", "-c", commandLine, tool);

    private sealed class ScratchFile : IDisposable
    {
        public string Path { get; } = System.IO.Path.GetTempFileName();

        public void Dispose() => File.Delete(Path);
    }
}
