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

        var inside = cgroup.RunInside(6);
        Assert.Equal(6, inside.ExitCode);
        var outside = Child.ExitWith(6);
        var marker = cgroup.RunInside(7);
        Assert.Equal(7, marker.ExitCode);

        snoop.WaitForJsonProcessRecord(marker.Pid);
        var record = Assert.Single(snoop.JsonRecordsOf(inside.Pid));
        Assert.Equal(6, record.GetProperty("exit_code").GetInt32());
        Assert.Empty(snoop.JsonRecordsOf(outside.Pid));
        Assert.All(snoop.JsonRecords(), r => Assert.Equal(cgroup.Id, r.GetProperty("cgroup_id").GetUInt64()));
    }

    [Fact]
    public void CgroupCoversDescendantsAndCgroupExactDoesNot()
    {
        // A service with children, as systemd and Kubernetes make them: parent/child/grandchild, and a sibling of parent.
        using var parent = TestCgroup.Create();
        using var child = parent.CreateChild("child");
        using var grandchild = child.CreateChild("grandchild");
        using var sibling = TestCgroup.Create();
        using var subtree = SnoopRun.Start("--json", "--explain", "--cgroup", parent.Path);
        using var exact = SnoopRun.Start("--json", "--explain", "--cgroup-exact", parent.Path);
        subtree.WaitForAttachLine();
        exact.WaitForAttachLine();

        var inChild = child.RunInside(6);
        var inGrandchild = grandchild.RunInside(7);
        var inSibling = sibling.RunInside(8);
        var outside = Child.ExitWith(8);
        var marker = parent.RunInside(9);

        subtree.WaitForJsonProcessRecord(marker.Pid);
        exact.WaitForJsonProcessRecord(marker.Pid);
        Assert.Equal(child.Id, Assert.Single(subtree.JsonRecordsOf(inChild.Pid)).GetProperty("cgroup_id").GetUInt64());
        Assert.Equal(grandchild.Id, Assert.Single(subtree.JsonRecordsOf(inGrandchild.Pid)).GetProperty("cgroup_id").GetUInt64());
        Assert.Empty(subtree.JsonRecordsOf(inSibling.Pid));
        Assert.Empty(subtree.JsonRecordsOf(outside.Pid));
        Assert.Empty(exact.JsonRecordsOf(inChild.Pid));
        Assert.Empty(exact.JsonRecordsOf(inGrandchild.Pid));
        Assert.All(exact.JsonRecords(), r => Assert.Equal(parent.Id, r.GetProperty("cgroup_id").GetUInt64()));
        Assert.All(subtree.JsonRecords(), r => Assert.Contains(r.GetProperty("cgroup_id").GetUInt64(), new[] { parent.Id, child.Id, grandchild.Id }));
    }

    [Fact]
    public void CgroupTakesThePathProcCgroupShows()
    {
        // /proc/PID/cgroup says 0::/name: the tool finds where cgroup2 is mounted (/sys/fs/cgroup/unified in a hybrid layout).
        using var cgroup = TestCgroup.Create();
        using var nested = cgroup.CreateChild("nested");
        var asProcShowsIt = "/" + Path.GetRelativePath(TestCgroup.MountPoint, cgroup.Path);
        using var snoop = SnoopRun.Start("--json", "--explain", "--cgroup", asProcShowsIt);
        snoop.WaitForAttachLine();

        var inNested = nested.RunInside(10);
        var outside = Child.ExitWith(10);
        var marker = cgroup.RunInside(11);

        snoop.WaitForJsonProcessRecord(marker.Pid);
        Assert.Single(snoop.JsonRecordsOf(inNested.Pid));
        Assert.Empty(snoop.JsonRecordsOf(outside.Pid));
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

    /// <summary>Where cgroup2 is mounted, from /proc/self/mountinfo.</summary>
    public static string MountPoint => File.ReadLines("/proc/self/mountinfo")
        .Select(line => line.Split(" - "))
        .Where(parts => parts.Length == 2 && parts[1].StartsWith("cgroup2 ", StringComparison.Ordinal))
        .Select(parts => parts[0].Split(' ')[4])
        .FirstOrDefault() ?? throw new InvalidOperationException("no cgroup2 file system is mounted");

    public static TestCgroup Create() => Make(System.IO.Path.Combine(MountPoint, $"rawexitsnoop-test-{Environment.ProcessId}-{Guid.NewGuid():N}"));

    /// <summary>A cgroup below this one; dispose it before its parent.</summary>
    public TestCgroup CreateChild(string name) => Make(System.IO.Path.Combine(Path, name));

    /// <summary>`sh -c`, which moves itself into this cgroup, then exits there with <paramref name="exitCode"/>.</summary>
    public Child.Exit RunInside(int exitCode) => Child.Run("/bin/sh", "-c", $"echo $$ > \"$0/cgroup.procs\" && exit {exitCode}", Path);

    private static TestCgroup Make(string path)
    {
        Directory.CreateDirectory(path);
        var inode = RawBpf.Tests.Shared.ExternalTool.RunChecked("stat", "-c", "%i", path);
        return new TestCgroup(path, ulong.Parse(System.Text.Encoding.ASCII.GetString(inode).Trim(), CultureInfo.InvariantCulture));
    }

    public void Dispose() => RemoveDirectory(Path);

    private static void RemoveDirectory(string path)
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
