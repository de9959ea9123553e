using System.Diagnostics;
using System.Globalization;

namespace RawBpf.Cli.Tests;

/// <summary>Each filter, applied in the kernel: what passes is reported, what does not is absent.</summary>
[Collection(RawExitSnoopCollection.Name)]
public sealed class RawExitSnoopFilterTests
{
    [Fact]
    public void PidReportsOnlyThatProcess()
    {
        // The target waits on its stdin, so its pid is known before the tool starts.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("read line; exit 4");
        using var target = Process.Start(start)!;
        using var snoop = SnoopRun.Start("--json", "--explain", "--pid", target.Id.ToString(CultureInfo.InvariantCulture), "--count", "1");
        snoop.WaitForAttachLine();

        var others = Enumerable.Range(0, 3).Select(_ => Child.ExitWith(4)).ToList();
        target.StandardInput.WriteLine("go");
        target.StandardInput.Close();
        target.WaitForExit();

        // --count 1: had another exit passed the filter, it would be the one record.
        Assert.Equal(0, snoop.WaitForExit());
        var record = Assert.Single(snoop.JsonRecords());
        Assert.Equal(target.Id, record.GetProperty("pid").GetInt32());
        Assert.Equal(4, record.GetProperty("exit_code").GetInt32());
        Assert.All(others, other => Assert.NotEqual(target.Id, other.Pid));
    }

    [Fact]
    public void FailedReportsOnlyNonZeroCodesAndSignals()
    {
        using var snoop = SnoopRun.Start("--json", "--explain", "--failed");
        using var table = SnoopRun.Start("-x");
        snoop.WaitForAttachLine();
        table.WaitForHeader();

        var success = Child.ExitWith(0);
        var failure = Child.ExitWith(3);
        using var killed = Child.Start(null, "sleep", "30");
        killed.Kill();
        killed.WaitForExit();
        var marker = Child.ExitWith(9); // a failure itself, so that it passes the filter

        snoop.WaitForJsonProcessRecord(marker.Pid);
        table.WaitForRow(marker.Pid);
        Assert.Empty(snoop.JsonRecordsOf(success.Pid));
        Assert.Equal(3, Assert.Single(snoop.JsonRecordsOf(failure.Pid)).GetProperty("exit_code").GetInt32());
        Assert.Equal(9, Assert.Single(snoop.JsonRecordsOf(killed.Id)).GetProperty("signal").GetInt32());
        Assert.All(snoop.JsonRecords(), record =>
            Assert.True(record.GetProperty("exit_code").GetInt32() != 0 || record.GetProperty("signal").GetInt32() != 0, record.GetRawText()));

        Assert.Empty(table.RowsOf(success.Pid));
        Assert.Equal("3", Assert.Single(table.RowsOf(failure.Pid)).ExitCode);
        Assert.Equal("SIGKILL", Assert.Single(table.RowsOf(killed.Id)).ExitCode);
    }

    [Fact]
    public void ThreadsAddsTheTidColumnAndThreadRecords()
    {
        var program = TestPrograms.Get("group_exit");
        using var table = SnoopRun.Start("-T");
        Assert.Equal("TIME         PID     TID     PPID    EXIT_CODE  DURATION_NS    COMM", table.WaitForHeader());

        var child = Child.Run(program, "2", "6");
        var marker = Child.ExitWith(0);
        table.WaitForRow(marker.Pid, threads: true);

        var rows = table.RowsOf(child.Pid, threads: true);
        Assert.Equal(3, rows.Count);
        Assert.Equal(3, rows.Select(row => row.Tid).Distinct().Count());
        Assert.Contains(rows, row => row.Tid == child.Pid);
        Assert.All(rows, row => Assert.Equal("6", row.ExitCode));
    }

    [Fact]
    public void CgroupReportsOnlyProcessesInThatCgroup()
    {
        using var cgroup = TestCgroup.Create();
        using var snoop = SnoopRun.Start("--json", "--explain", "--cgroup", cgroup.Path);
        snoop.WaitForAttachLine();

        // Each child moves itself into the cgroup, then exits there.
        var inside = Child.Run("/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exit 6", cgroup.Path);
        Assert.Equal(6, inside.ExitCode);
        var outside = Child.ExitWith(6);
        var marker = Child.Run("/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exit 7", cgroup.Path);
        Assert.Equal(7, marker.ExitCode);

        snoop.WaitForJsonProcessRecord(marker.Pid);
        var record = Assert.Single(snoop.JsonRecordsOf(inside.Pid));
        Assert.Equal(6, record.GetProperty("exit_code").GetInt32());
        Assert.Empty(snoop.JsonRecordsOf(outside.Pid));
        Assert.All(snoop.JsonRecords(), r => Assert.Equal(cgroup.Id, r.GetProperty("cgroup_id").GetUInt64()));
    }

    [Fact]
    public void CgroupMatchesThatDirectoryNotItsDescendants()
    {
        // The filter compares bpf_get_current_cgroup_id() with the directory's id: a child cgroup is another id.
        using var cgroup = TestCgroup.Create();
        var nested = Path.Combine(cgroup.Path, "nested");
        Directory.CreateDirectory(nested);
        try
        {
            using var snoop = SnoopRun.Start("--json", "--explain", "--cgroup", cgroup.Path);
            snoop.WaitForAttachLine();

            var inNested = Child.Run("/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exit 6", nested);
            Assert.Equal(6, inNested.ExitCode);
            var marker = Child.Run("/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exit 7", cgroup.Path);

            snoop.WaitForJsonProcessRecord(marker.Pid);
            Assert.Empty(snoop.JsonRecordsOf(inNested.Pid));
        }
        finally
        {
            TestCgroup.RemoveDirectory(nested);
        }
    }

    [Fact]
    public void UidIsTheRealUserId()
    {
        using var snoop = SnoopRun.Start("--json", "--explain", "--uid", "65534");
        snoop.WaitForAttachLine();

        var realOnly = Child.Run("setpriv", "--ruid", "65534", "/bin/sh", "-c", "exit 8");
        Assert.Equal(8, realOnly.ExitCode);
        var effectiveOnly = Child.Run("setpriv", "--euid", "65534", "/bin/sh", "-c", "exit 8");
        Assert.Equal(8, effectiveOnly.ExitCode);
        var marker = Child.Run("setpriv", "--reuid", "65534", "/bin/sh", "-c", "exit 0");

        snoop.WaitForJsonProcessRecord(marker.Pid);
        Assert.Equal(65534, Assert.Single(snoop.JsonRecordsOf(realOnly.Pid)).GetProperty("uid").GetInt32());
        Assert.Empty(snoop.JsonRecordsOf(effectiveOnly.Pid));
    }

    [Fact]
    public void UidReportsOnlyThatUser()
    {
        using var snoop = SnoopRun.Start("--json", "--explain", "--uid", "65534");
        using var table = SnoopRun.Start("-u", "65534");
        snoop.WaitForAttachLine();
        table.WaitForHeader();

        // setpriv changes the ids and execs the shell: same pid, now uid 65534.
        var nobody = Child.Run("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "/bin/sh", "-c", "exit 8");
        Assert.Equal(8, nobody.ExitCode);
        var root = Child.ExitWith(8);
        var marker = Child.Run("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "/bin/sh", "-c", "exit 0");

        snoop.WaitForJsonProcessRecord(marker.Pid);
        table.WaitForRow(marker.Pid);
        var record = Assert.Single(snoop.JsonRecordsOf(nobody.Pid));
        Assert.Equal(65534, record.GetProperty("uid").GetInt32());
        Assert.Equal(8, record.GetProperty("exit_code").GetInt32());
        Assert.Empty(snoop.JsonRecordsOf(root.Pid));
        Assert.All(snoop.JsonRecords(), r => Assert.Equal(65534, r.GetProperty("uid").GetInt32()));
        Assert.Single(table.RowsOf(nobody.Pid));
        Assert.Empty(table.RowsOf(root.Pid));
    }

    [Fact]
    public void FiltersCombine()
    {
        using var snoop = SnoopRun.Start("--json", "--explain", "--uid", "65534", "--failed");
        snoop.WaitForAttachLine();

        var nobodySuccess = Child.Run("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "/bin/sh", "-c", "exit 0");
        var rootFailure = Child.ExitWith(2);
        var marker = Child.Run("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "/bin/sh", "-c", "exit 2");

        snoop.WaitForJsonProcessRecord(marker.Pid);
        Assert.Empty(snoop.JsonRecordsOf(nobodySuccess.Pid));
        Assert.Empty(snoop.JsonRecordsOf(rootFailure.Pid));
    }
}

/// <summary>A cgroup v2 directory of its own, made where cgroup2 is mounted and removed afterwards.</summary>
internal sealed class TestCgroup : IDisposable
{
    private TestCgroup(string path, ulong id)
    {
        Path = path;
        Id = id;
    }

    public string Path { get; }

    /// <summary>What bpf_get_current_cgroup_id() returns inside: the directory's inode number.</summary>
    public ulong Id { get; }

    public static TestCgroup Create()
    {
        var mountPoint = File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(" - "))
            .Where(parts => parts.Length == 2 && parts[1].StartsWith("cgroup2 ", StringComparison.Ordinal))
            .Select(parts => parts[0].Split(' ')[4])
            .FirstOrDefault() ?? throw new InvalidOperationException("no cgroup2 file system is mounted");
        var path = System.IO.Path.Combine(mountPoint, $"rawexitsnoop-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        var inode = RawBpf.Tests.Shared.ExternalTool.RunChecked("stat", "-c", "%i", path);
        return new TestCgroup(path, ulong.Parse(System.Text.Encoding.ASCII.GetString(inode).Trim(), CultureInfo.InvariantCulture));
    }

    public void Dispose() => RemoveDirectory(Path);

    public static void RemoveDirectory(string path)
    {
        // Its processes are reaped by now; the kernel may take a moment to let the directory go.
        for (var attempt = 0; attempt < 100 && Directory.Exists(path); attempt++)
        {
            try
            {
                Directory.Delete(path);
            }
            catch (IOException)
            {
                Thread.Sleep(50);
            }
        }
    }
}
