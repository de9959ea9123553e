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
        var (row, record, _) = RunNamed(bytes);

        Assert.Equal(@"\x1b[31m\x0a\x5c""é\x7f\xc2\x85", row.Comm);
        Assert.Equal(name, record.GetProperty("comm").GetString());
    }

    [Fact]
    public void HostileInvalidUtf8NameIsEscapedInTheTableAndExactInJsonBase64()
    {
        // ESC, invalid UTF-8 (ff fe, a lone continuation byte 80, a truncated sequence e2 82), backslash.
        byte[] bytes = [0x1b, (byte)'[', (byte)'2', (byte)'J', 0xff, 0xfe, (byte)'a', 0x80, (byte)'\\', 0xe2, 0x82];
        var (row, record, _) = RunNamed(bytes);

        Assert.Equal(@"\x1b[2J\xff\xfea\x80\x5c\xe2\x82", row.Comm);
        // JSON strings cannot hold invalid UTF-8: comm has U+FFFD for each bad sequence, comm_base64 the bytes.
        Assert.Equal("\u001b[2J\ufffd\ufffda\ufffd\\\ufffd", record.GetProperty("comm").GetString());
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(record.GetProperty("comm_base64").GetBytesFromBase64()));
    }

    [Fact]
    public void BidiControlsInANameAreEscapedInTheTableAndInJson()
    {
        // U+202E RIGHT-TO-LEFT OVERRIDE would show "hs.txt" and the rest of the line reversed; U+2066 an isolate.
        var name = "ev\u202Etxt.sh\u2066";
        var (row, record, jsonLine) = RunNamed(Encoding.UTF8.GetBytes(name));

        Assert.Equal(@"ev\xe2\x80\xaetxt.sh\xe2\x81\xa6", row.Comm);
        Assert.Contains(@"""comm"":""ev\u202Etxt.sh\u2066""", Encoding.UTF8.GetString(jsonLine), StringComparison.Ordinal);
        Assert.Equal(name, record.GetProperty("comm").GetString());
        Assert.False(record.TryGetProperty("comm_base64", out _));
    }

    /// <summary>
    /// Runs a process named <paramref name="name"/> under the table and under --json; returns its row, its
    /// record and the record's JSON line, after checking that neither line holds a raw control or bidi character.
    /// </summary>
    private static (TableRow Row, System.Text.Json.JsonElement Record, byte[] JsonLine) RunNamed(byte[] name)
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
        AssertNoRawControls(rawLine);
        AssertNoRawControls(jsonLine);
        return (row, record, jsonLine);
    }

    /// <summary>
    /// No control character (C0, ESC, DEL, C1) and no bidi control reaches the terminal raw (the '\n' ending the
    /// line is not part of it).
    /// </summary>
    private static void AssertNoRawControls(byte[] line)
    {
        const string bidiControls = "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069";
        var text = Encoding.UTF8.GetString(line);
        var index = Array.FindIndex(text.ToCharArray(), c => char.IsControl(c) || bidiControls.Contains(c));
        Assert.True(index < 0, $"raw control U+{(index >= 0 ? text[index] : 0):X4} at {index} in: {text}");
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
