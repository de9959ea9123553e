using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RawBpf.Cli.Tests;

/// <summary>What the tool prints: hostile names, JSON fields, time, and how output ends (--count, --duration, head).</summary>
[Collection(RawExitSnoopCollection.Name)]
public sealed partial class RawExitSnoopOutputTests
{
    [GeneratedRegex(@"^rawexitsnoop: (\d+) exits reported, (\d+) lost$")]
    internal static partial Regex Summary();

    [Fact]
    public void HostileValidUtf8NameIsEscapedInTheTableAndExactInJson()
    {
        // ESC [31m, newline, backslash, quote, é, DEL, U+0085 (a C1 control): 13 bytes.
        var name = "\u001b[31m\n\\\"é\u007f\u0085";
        var bytes = Encoding.UTF8.GetBytes(name);
        var (row, record, rawLine) = RunNamed(bytes);

        Assert.Equal(@"\x1b[31m\x0a\x5c""é\x7f\xc2\x85", row.Comm);
        Assert.Equal(name, record.GetProperty("comm").GetString());
        AssertNoRawControlBytes(rawLine);
    }

    [Fact]
    public void HostileInvalidUtf8NameIsEscapedInTheTableAndReplacedInJson()
    {
        // ESC, invalid UTF-8 (ff fe, a lone continuation byte 80, a truncated sequence e2 82), backslash.
        byte[] bytes = [0x1b, (byte)'[', (byte)'2', (byte)'J', 0xff, 0xfe, (byte)'a', 0x80, (byte)'\\', 0xe2, 0x82];
        var (row, record, rawLine) = RunNamed(bytes);

        Assert.Equal(@"\x1b[2J\xff\xfea\x80\x5c\xe2\x82", row.Comm);
        // JSON strings cannot hold invalid UTF-8: each bad sequence becomes U+FFFD, the rest stays exact.
        Assert.Equal(Encoding.UTF8.GetString(bytes), record.GetProperty("comm").GetString());
        Assert.StartsWith("\u001b[2J\ufffd\ufffda\ufffd\\", record.GetProperty("comm").GetString(), StringComparison.Ordinal);
        AssertNoRawControlBytes(rawLine);
    }

    private static (TableRow Row, System.Text.Json.JsonElement Record, byte[] RawLine) RunNamed(byte[] name)
    {
        var program = TestPrograms.Get("set_comm");
        using var table = SnoopRun.Start();
        using var json = SnoopRun.Start("--json", "--explain");
        table.WaitForHeader();
        json.WaitForAttachLine();

        var child = Child.Run(program, Convert.ToHexStringLower(name), "3");
        Assert.Equal(3, child.ExitCode);
        var marker = Child.ExitWith(0);
        table.WaitForRow(marker.Pid);
        json.WaitForJsonProcessRecord(marker.Pid);

        // The name's newline must not have split the row: every line is a whole row or the header.
        foreach (var line in table.StdoutLines)
            Assert.True(line.Text.StartsWith("TIME ", StringComparison.Ordinal) || TableRow.TryParse(line.Text, threads: false) is not null, $"not a table row: {line.Text}");
        var row = Assert.Single(table.RowsOf(child.Pid));
        Assert.Equal("3", row.ExitCode);
        var rawLine = table.StdoutLines.Single(line => TableRow.TryParse(line.Text, false) is { } r && r.Pid == child.Pid && r.Ppid == Environment.ProcessId).Bytes;
        var record = Assert.Single(json.JsonRecordsOf(child.Pid));
        var jsonLine = json.StdoutLines.Single(line => line.Text.Contains($"\"pid\":{child.Pid},", StringComparison.Ordinal)).Bytes;
        AssertNoRawControlBytes(jsonLine);
        return (row, record, rawLine);
    }

    /// <summary>No C0 control byte and no ESC reaches the terminal (the '\n' ending the line is not part of it).</summary>
    private static void AssertNoRawControlBytes(byte[] line)
    {
        var index = Array.FindIndex(line, b => b < 0x20);
        Assert.True(index < 0, $"raw control byte 0x{(index >= 0 ? line[index] : 0):x2} at {index} in: {Encoding.UTF8.GetString(line)}");
    }

    [Fact]
    public void JsonRecordHasEveryField()
    {
        using var cgroup = TestCgroup.Create();
        using var snoop = SnoopRun.Start("--json", "--explain");
        snoop.WaitForAttachLine();
        var before = DateTime.UtcNow;
        var child = Child.Run("/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exit 12", cgroup.Path);

        var record = snoop.WaitForJsonProcessRecord(child.Pid);
        string[] fields = ["time", "pid", "tid", "ppid", "uid", "comm", "exit_code", "signal", "core_dumped", "status", "duration_ns", "cgroup_id", "process_exit"];
        Assert.Equal(fields, record.EnumerateObject().Select(property => property.Name).ToArray());
        var time = record.GetProperty("time").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$", time);
        var parsed = DateTime.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        // A sanity bound, not a timing measurement: the right day and hour, not an epoch or a monotonic clock.
        Assert.InRange(parsed, before.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
        Assert.Equal(child.Pid, record.GetProperty("tid").GetInt32());
        Assert.Equal(12, record.GetProperty("exit_code").GetInt32());
        Assert.Equal(cgroup.Id, record.GetProperty("cgroup_id").GetUInt64());
        Assert.True(record.GetProperty("process_exit").GetBoolean());
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "UTC")]
    [InlineData(false, "Asia/Kolkata")]
    public void TableTimeIsUtcOrLocal(bool utc, string? zone)
    {
        var arguments = utc ? new[] { "--utc" } : [];
        using var table = zone is null
            ? SnoopRun.Start(arguments)
            : SnoopRun.Launch("env", ["TZ=" + zone, RawExitSnoopBinary.Path, .. arguments], readStdout: true);
        table.WaitForHeader();
        var child = Child.ExitWith(0);
        var row = table.WaitForRow(child.Pid);

        var offset = zone is null ? TimeSpan.Zero : TimeZoneInfo.FindSystemTimeZoneById(zone).GetUtcOffset(DateTime.UtcNow);
        var expected = DateTime.UtcNow + offset;
        var shown = TimeSpan.ParseExact(row.Time, @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
        // Time of day only: compare on the 24-hour circle, with a bound that catches a wrong zone (30 min steps).
        var difference = Math.Abs((shown - expected.TimeOfDay).TotalMinutes);
        difference = Math.Min(difference, 24 * 60 - difference);
        Assert.True(difference < 10, $"table shows {row.Time}, expected about {expected:HH:mm:ss} ({zone ?? "--utc"})");
    }

    [Fact]
    public void CountEndsTheRunAfterNRecords()
    {
        using var snoop = SnoopRun.Start("--json", "--explain", "--count", "2");
        snoop.WaitForAttachLine();
        for (var i = 0; i < 3; i++)
            Child.ExitWith(0);

        Assert.Equal(0, snoop.WaitForExit());
        Assert.Equal(2, snoop.JsonRecords().Count);
        var summary = Summary().Match(snoop.StderrLines.Single(line => Summary().IsMatch(line)));
        Assert.Equal("2", summary.Groups[1].Value);
    }

    [Fact]
    public void DurationEndsTheRun()
    {
        using var snoop = SnoopRun.Start("--duration", "1");
        snoop.WaitForHeader();
        Assert.Equal(0, snoop.WaitForExit());
        Assert.Matches(Summary(), Assert.Single(snoop.StderrLines));
        Assert.Equal("TIME ", snoop.StdoutLines[0].Text[..5]);
    }

    [Fact]
    public async Task ClosedPipeEndsQuietlyWithZero()
    {
        // `rawexitsnoop | head -3`: the tool learns the reader left at its next write (EPIPE) and ends.
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-c", "\"$0\" | head -3; exit \"${PIPESTATUS[0]}\"", RawExitSnoopBinary.Path])
            start.ArgumentList.Add(argument);
        using var pipeline = Process.Start(start)!;
        var stdout = pipeline.StandardOutput.ReadToEndAsync();
        var stderr = pipeline.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (!pipeline.HasExited && deadline.Elapsed < Limits.Wait)
            Child.ExitWith(0); // keep exits coming until the tool has had its EPIPE
        Assert.True(pipeline.WaitForExit(Limits.Wait), "rawexitsnoop | head -3 did not end");
        pipeline.WaitForExit();

        Assert.Equal(0, pipeline.ExitCode);
        Assert.Equal("", await stderr);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("TIME ", lines[0], StringComparison.Ordinal);
    }
}
