namespace RawBpf.Cli.Tests;

/// <summary>What the tool reports for one exit: the status the parent sees, the age, once per process.</summary>
[Collection(RawExitSnoopCollection.Name)]
public sealed class RawExitSnoopStatusTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(255)]
    public void ExitCodeIsReportedInJsonAndTable(int code)
    {
        using var json = SnoopRun.Start("--json", "--explain");
        using var table = SnoopRun.Start();
        json.WaitForAttachLine();
        table.WaitForHeader();

        var child = Child.ExitWith(code);
        Assert.Equal(code, child.ExitCode);

        var record = json.WaitForJsonProcessRecord(child.Pid);
        Assert.Equal(code, record.GetProperty("exit_code").GetInt32());
        Assert.Equal(0, record.GetProperty("signal").GetInt32());
        Assert.False(record.GetProperty("core_dumped").GetBoolean());
        Assert.Equal(code << 8, record.GetProperty("status").GetInt32());
        Assert.Equal("sh", record.GetProperty("comm").GetString());
        Assert.Equal(Environment.ProcessId, record.GetProperty("ppid").GetInt32());
        Assert.Equal(child.Pid, record.GetProperty("tid").GetInt32());
        Assert.Equal(0, record.GetProperty("uid").GetInt32());

        var row = table.WaitForRow(child.Pid);
        Assert.Equal(code.ToString(System.Globalization.CultureInfo.InvariantCulture), row.ExitCode);
        Assert.Equal(Environment.ProcessId, row.Ppid);
        Assert.Equal("sh", row.Comm);
    }

    [Fact]
    public void SigkillAfterExecIsReportedAsTheSignal()
    {
        using var json = SnoopRun.Start("--json", "--explain");
        using var table = SnoopRun.Start();
        json.WaitForAttachLine();
        table.WaitForHeader();

        using var sleeper = Child.Start(null, "sleep", "30");
        // Killed once it runs sleep: /proc/PID/comm says so after the exec.
        WaitUntil(() => File.ReadAllText($"/proc/{sleeper.Id}/comm").Trim() == "sleep", "sleep to be exec'ed");
        sleeper.Kill();
        sleeper.WaitForExit();

        var record = json.WaitForJsonProcessRecord(sleeper.Id);
        Assert.Equal(9, record.GetProperty("signal").GetInt32());
        Assert.Equal(0, record.GetProperty("exit_code").GetInt32());
        Assert.Equal(9, record.GetProperty("status").GetInt32());
        Assert.False(record.GetProperty("core_dumped").GetBoolean());
        Assert.Equal("sleep", record.GetProperty("comm").GetString());

        var row = table.WaitForRow(sleeper.Id);
        Assert.Equal("SIGKILL", row.ExitCode);
        Assert.Equal("sleep", row.Comm);
    }

    [Fact]
    public void CoreDumpIsReported()
    {
        var segv = TestPrograms.Get("segv");
        using var corePattern = CorePattern.WritingFiles();
        var directory = Directory.CreateTempSubdirectory("rawexitsnoop-core-");
        try
        {
            using var json = SnoopRun.Start("--json", "--explain");
            using var table = SnoopRun.Start();
            json.WaitForAttachLine();
            table.WaitForHeader();

            // prlimit raises RLIMIT_CORE for itself and execs the program: the pid stays the same.
            var child = Child.RunIn(directory.FullName, "prlimit", "--core=unlimited:unlimited", segv);
            Assert.Equal(128 + 11, child.ExitCode); // .NET's figure for a death by SIGSEGV

            var record = json.WaitForJsonProcessRecord(child.Pid);
            Assert.Equal(11, record.GetProperty("signal").GetInt32());
            Assert.True(record.GetProperty("core_dumped").GetBoolean(), $"core_dumped false: {record}");
            Assert.Equal(0x80 | 11, record.GetProperty("status").GetInt32());
            Assert.Equal(0, record.GetProperty("exit_code").GetInt32());
            Assert.Equal("segv", record.GetProperty("comm").GetString());

            Assert.Equal("SIGSEGV (core dumped)", table.WaitForRow(child.Pid).ExitCode);
            Assert.NotEmpty(directory.GetFiles("core*"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void DurationIsTheProcessAge()
    {
        using var json = SnoopRun.Start("--json", "--explain");
        using var table = SnoopRun.Start();
        json.WaitForAttachLine();
        table.WaitForHeader();

        var child = Child.Run("sleep", "0.5");

        var durationNs = json.WaitForJsonProcessRecord(child.Pid).GetProperty("duration_ns").GetUInt64();
        Assert.InRange(durationNs, 500_000_000UL, 5_000_000_000UL);
        Assert.InRange(table.WaitForRow(child.Pid).DurationNs, 500_000_000UL, 5_000_000_000UL);
    }

    [Fact]
    public void MainThreadExitingFirstIsReportedOnceWhenTheProcessEnds()
    {
        var program = TestPrograms.Get("main_exits_first");
        using var json = SnoopRun.Start("--json", "--explain");
        using var table = SnoopRun.Start();
        json.WaitForAttachLine();
        table.WaitForHeader();

        var child = Child.Run(program, "300", "5", "exit");
        Assert.Equal(5, child.ExitCode);
        var marker = Child.ExitWith(0);
        json.WaitForJsonProcessRecord(marker.Pid);
        table.WaitForRow(marker.Pid);

        var record = Assert.Single(json.JsonRecordsOf(child.Pid));
        Assert.Equal(5, record.GetProperty("exit_code").GetInt32());
        Assert.True(record.GetProperty("process_exit").GetBoolean());
        Assert.NotEqual(child.Pid, record.GetProperty("tid").GetInt32()); // the second thread ended it
        Assert.True(record.GetProperty("duration_ns").GetUInt64() >= 300_000_000UL, record.ToString());

        var row = Assert.Single(table.RowsOf(child.Pid));
        Assert.Equal("5", row.ExitCode);
        Assert.True(row.DurationNs >= 300_000_000UL);
    }

    [Fact]
    public void MainThreadExitingFirstIsReportedPerThreadWithThreads()
    {
        var program = TestPrograms.Get("main_exits_first");
        using var json = SnoopRun.Start("--json", "--explain", "--threads");
        using var table = SnoopRun.Start("--threads");
        json.WaitForAttachLine();
        Assert.StartsWith("TIME         PID     TID     PPID    EXIT_CODE", table.WaitForHeader(), StringComparison.Ordinal);

        var child = Child.Run(program, "300", "5", "exit");
        var marker = Child.ExitWith(0);
        json.WaitForJsonProcessRecord(marker.Pid);
        table.WaitForRow(marker.Pid, threads: true);

        var records = json.JsonRecordsOf(child.Pid);
        Assert.Equal(2, records.Count);
        var mainThread = Assert.Single(records, r => r.GetProperty("tid").GetInt32() == child.Pid);
        var secondThread = Assert.Single(records, r => r.GetProperty("tid").GetInt32() != child.Pid);
        Assert.False(mainThread.GetProperty("process_exit").GetBoolean());
        Assert.Equal(0, mainThread.GetProperty("exit_code").GetInt32());
        Assert.True(secondThread.GetProperty("process_exit").GetBoolean());
        Assert.Equal(5, secondThread.GetProperty("exit_code").GetInt32());

        var rows = table.RowsOf(child.Pid, threads: true);
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, row => row.Tid == child.Pid && row.ExitCode == "0");
        Assert.Contains(rows, row => row.Tid != child.Pid && row.ExitCode == "5");
    }

    [Fact]
    public void LastThreadsPlainExitReportsWhatTheParentSees()
    {
        var program = TestPrograms.Get("main_exits_first");
        using var json = SnoopRun.Start("--json", "--explain");
        json.WaitForAttachLine();

        // The second thread leaves with SYS_exit (not exit_group) after main's pthread_exit.
        var child = Child.Run(program, "100", "5", "thread_exit");
        var marker = Child.ExitWith(0);
        json.WaitForJsonProcessRecord(marker.Pid);

        var record = Assert.Single(json.JsonRecordsOf(child.Pid));
        Assert.Equal(child.ExitCode, record.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public void GroupExitOfManyThreadsIsReportedOnce()
    {
        var program = TestPrograms.Get("group_exit");
        using var json = SnoopRun.Start("--json", "--explain");
        using var threads = SnoopRun.Start("--json", "--explain", "--threads");
        json.WaitForAttachLine();
        threads.WaitForAttachLine();

        var child = Child.Run(program, "8", "7");
        Assert.Equal(7, child.ExitCode);
        var marker = Child.ExitWith(0);
        json.WaitForJsonProcessRecord(marker.Pid);
        threads.WaitForJsonProcessRecord(marker.Pid);

        var record = Assert.Single(json.JsonRecordsOf(child.Pid));
        Assert.Equal(7, record.GetProperty("exit_code").GetInt32());
        Assert.True(record.GetProperty("process_exit").GetBoolean());

        // With --threads: one record per thread (main + 8), exactly one of them the process's.
        var perThread = threads.JsonRecordsOf(child.Pid);
        Assert.Equal(9, perThread.Count);
        Assert.Equal(9, perThread.Select(r => r.GetProperty("tid").GetInt32()).Distinct().Count());
        var processRecord = Assert.Single(perThread, r => r.GetProperty("process_exit").GetBoolean());
        Assert.Equal(7, processRecord.GetProperty("exit_code").GetInt32());
    }

    internal static void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > Limits.Wait)
                Assert.Fail($"timed out waiting for {what}");
            Thread.Sleep(20);
        }
    }
}

/// <summary>
/// /proc/sys/kernel/core_pattern made to write files for the duration of a test when it pipes to a program
/// (which may not exist, and then no core is reported); restored afterwards.
/// </summary>
internal sealed class CorePattern : IDisposable
{
    private const string Path = "/proc/sys/kernel/core_pattern";
    private readonly string? _previous;

    private CorePattern(string? previous) => _previous = previous;

    public static CorePattern WritingFiles()
    {
        var current = File.ReadAllText(Path).TrimEnd('\n');
        if (!current.StartsWith('|'))
            return new CorePattern(null);
        File.WriteAllText(Path, "core");
        return new CorePattern(current);
    }

    public void Dispose()
    {
        if (_previous is not null)
            File.WriteAllText(Path, _previous);
    }
}
