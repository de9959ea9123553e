namespace RawBpf.Cli.Tests;

/// <summary>
/// A user who is not root, with exactly CAP_BPF and CAP_PERFMON (the README's promise), traces exits whatever
/// state tracefs is in. Each run sits in a private mount namespace, so the host's tracefs stays as it is.
/// </summary>
[Collection(RawExitSnoopCollection.Name)]
public sealed class RawExitSnoopCapabilityTests
{
    /// <summary>Before the tool starts: tracefs mounted as the kernel makes it (mode 0700, so unreadable for uid 65534), or not at all.</summary>
    private const string MountTracefs = """
        mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing || exit 97
        echo "tracefs mode $(stat -c %a /sys/kernel/tracing)" >&2
        """;

    private const string UnmountTracefs = """
        for dir in /sys/kernel/tracing /sys/kernel/debug/tracing /sys/kernel/debug; do
            while mountpoint -q "$dir"; do umount "$dir" || exit 99; done
        done
        if grep -q ' tracefs ' /proc/self/mounts; then exit 98; fi
        echo "tracefs unmounted" >&2
        """;

    /// <summary>setpriv as the issue gives it: uid/gid 65534, no groups, CAP_BPF + CAP_PERFMON kept across exec.</summary>
    private const string ExecAsNobodyWithBpfAndPerfmon =
        "exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon \"$0\" --json --explain";

    [Theory]
    [InlineData(true, "tracefs mode 700")]
    [InlineData(false, "tracefs unmounted")]
    public void CapBpfAndCapPerfmonAloneTraceExits(bool tracefsMounted, string namespaceReport)
    {
        using var binary = RawExitSnoopBinary.CopyForAnyone();
        var script = (tracefsMounted ? MountTracefs : UnmountTracefs) + "\n" + ExecAsNobodyWithBpfAndPerfmon;
        using var snoop = SnoopRun.Launch("unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script, binary.Path], readStdout: true);
        snoop.WaitForStderr(line => line == namespaceReport, $"the namespace's report \"{namespaceReport}\"");
        var attach = snoop.WaitForAttachLine();

        var child = Child.ExitWith(23);
        // The main thread pthread_exits, the other thread exit(5)s 0.3 s later: one record, the process's real status.
        var mainExitsFirst = Child.Run(TestPrograms.Get("main_exits_first"));
        var groupExit = Child.Run(TestPrograms.Get("group_exit"), "4", "9");

        Assert.Equal(23, snoop.WaitForJsonProcessRecord(child.Pid).GetProperty("exit_code").GetInt32());
        Assert.Equal(5, snoop.WaitForJsonProcessRecord(mainExitsFirst.Pid).GetProperty("exit_code").GetInt32());
        Assert.Equal(9, snoop.WaitForJsonProcessRecord(groupExit.Pid).GetProperty("exit_code").GetInt32());
        Assert.Single(snoop.JsonRecordsOf(mainExitsFirst.Pid));
        Assert.Single(snoop.JsonRecordsOf(groupExit.Pid));
        // No tracefs for this user: the raw tracepoint, attached by name; never a mount it may not make.
        Assert.StartsWith("bpf(BPF_RAW_TRACEPOINT_OPEN, name=\"sched_process_exit\"", attach, StringComparison.Ordinal);
        Assert.DoesNotContain(snoop.StderrLines, line => line.StartsWith("mount(", StringComparison.Ordinal));
        snoop.Signal("TERM");
        Assert.Equal(0, snoop.WaitForExit());
        Assert.Contains(snoop.StderrLines, line => RawExitSnoopOutputTests.Summary().IsMatch(line));
    }

    [Fact]
    public void CapBpfAndCapPerfmonAloneCoverACgroupSubtree()
    {
        using var binary = RawExitSnoopBinary.CopyForAnyone();
        using var cgroup = TestCgroup.Create();
        using var nested = cgroup.CreateChild("nested");
        using var snoop = SnoopRun.Launch("setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon",
             binary.Path, "--json", "--explain", "--cgroup", cgroup.Path], readStdout: true);
        snoop.WaitForAttachLine();

        var inNested = nested.RunInside(24);
        var outside = Child.ExitWith(24);
        var marker = cgroup.RunInside(25);

        snoop.WaitForJsonProcessRecord(marker.Pid);
        Assert.Equal(nested.Id, Assert.Single(snoop.JsonRecordsOf(inNested.Pid)).GetProperty("cgroup_id").GetUInt64());
        Assert.Empty(snoop.JsonRecordsOf(outside.Pid));
    }
}
