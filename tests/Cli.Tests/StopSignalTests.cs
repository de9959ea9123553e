using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>Any sequence of stop signals is one orderly stop (issue 10, item 3): output flushed, summary once, exit 0.</summary>
[Collection(RawExitSnoopCollection.Name)]
public sealed class StopSignalTests
{
    [Theory]
    [InlineData("INT", "TERM")]
    [InlineData("TERM", "INT")]
    [InlineData("HUP", "TERM", "INT")]
    [InlineData("TERM", "TERM", "TERM")]
    public void SignalsInQuickSuccessionStopOnceAndDetach(params string[] signals)
    {
        using var exits = new ExitsFlowing();
        // env resets the dispositions: a host started from a non-interactive shell may have SIGINT ignored.
        using var snoop = SnoopRun.Launch("env", ["--default-signal=INT,TERM,HUP", RawExitSnoopBinary.Path], readStdout: true);
        snoop.WaitForHeader();
        var programs = snoop.HeldProgramIds();
        var child = Child.ExitWith(0);
        snoop.WaitForRow(child.Pid);

        // One kill(1) per signal, back to back: the second arrives while the first stop is under way.
        ExternalTool.RunChecked("/bin/sh", "-c", string.Join("; ", signals.Select(signal => $"kill -s {signal} {snoop.Pid}")));

        Assert.Equal(0, snoop.WaitForExit());
        var summary = Assert.Single(snoop.StderrLines);
        var reported = long.Parse(RawExitSnoopOutputTests.Summary().Match(summary).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // Flushed: every record the summary counts is on stdout, each a whole row.
        var rows = snoop.StdoutLines.Skip(1).ToList();
        Assert.Equal(reported, rows.Count);
        Assert.All(rows, row => Assert.NotNull(TableRow.TryParse(row.Text, threads: false)));
        LoadedPrograms.AssertAllGone(programs);
    }

    [Fact]
    public void TimeoutSignallingTheProcessGroupTooEndsWithZero()
    {
        // timeout sends SIGTERM to the tool and then to its whole process group, the tool included.
        using var exits = new ExitsFlowing();
        var result = ExternalTool.Run("timeout", "--preserve-status", "1.5", RawExitSnoopBinary.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(RawExitSnoopOutputTests.Summary(), Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.StartsWith("TIME ", result.StandardOutputText, StringComparison.Ordinal);
    }
}
