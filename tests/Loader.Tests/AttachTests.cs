using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Links;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

public class AttachTests
{
    [Theory]
    [InlineData(TracepointAttachPreference.ForceLink, BpfAttachMethod.PerfEventLink)]
    [InlineData(TracepointAttachPreference.ForceIoctl, BpfAttachMethod.PerfEventIoctl)]
    [InlineData(TracepointAttachPreference.Automatic, null)]
    public void TracepointProgramRunsOnEachPath(TracepointAttachPreference preference, BpfAttachMethod? forced)
    {
        // Automatic follows the probe: the link on 5.15+, the ioctl pair before.
        var expected = forced ?? (KernelFeatures.HasPerfEventLink ? BpfAttachMethod.PerfEventLink : BpfAttachMethod.PerfEventIoctl);
        using var counters = TestPrograms.CreateCounterMap();
        using var program = TestPrograms.LoadTracepoint(TestPrograms.Counter(counters), "count_getpid");
        using (var link = BpfLink.AttachTracepoint(program, "syscalls", "sys_enter_getpid", preference))
        {
            Assert.Equal(expected, link.Method);
            Assert.Equal("tracepoint/syscalls/sys_enter_getpid", link.Target);
            Assert.NotNull(link.PerfEventFd);
            Assert.Equal(expected == BpfAttachMethod.PerfEventLink, link.LinkFd is not null);
            if (link.GetInfo() is { } info)
            {
                Assert.Equal(program.GetInfo().Id, info.ProgramId);
            }

            for (var i = 0; i < 100; i++)
            {
                TestLibc.getpid();
            }

            // Other processes may call getpid too: at least ours were counted.
            Assert.True(TestPrograms.ReadCounter(counters) >= 100);
        }

        // Detached: our calls no longer count.
        var after = TestPrograms.ReadCounter(counters);
        for (var i = 0; i < 100; i++)
        {
            TestLibc.getpid();
        }

        Assert.True(TestPrograms.ReadCounter(counters) - after < 100);
    }

    [Fact]
    public void SchedProcessExitTracepointSeesAChildExit()
    {
        using var counters = TestPrograms.CreateCounterMap();
        using var program = TestPrograms.LoadTracepoint(TestPrograms.Counter(counters), "count_exits");
        using var link = BpfLink.AttachTracepoint(program, "sched", "sched_process_exit");
        using (var child = System.Diagnostics.Process.Start("/bin/true"))
        {
            child.WaitForExit();
        }

        Assert.True(TestPrograms.ReadCounter(counters) >= 1);
    }

    [Fact]
    public void RawTracepointProgramRuns()
    {
        using var counters = TestPrograms.CreateCounterMap();
        using var program = BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.RawTracepoint, Name = "raw_sys_enter" }, TestPrograms.Counter(counters));
        using var link = BpfLink.AttachRawTracepoint(program, "sys_enter");
        Assert.Equal(BpfAttachMethod.RawTracepointOpen, link.Method);
        Assert.Null(link.PerfEventFd);
        TestLibc.getpid();
        Assert.True(TestPrograms.ReadCounter(counters) >= 1);
        Assert.Equal(1u, link.GetInfo()!.Type); // BPF_LINK_TYPE_RAW_TRACEPOINT
    }

    [Fact]
    public void BtfTypedTracepointProgramRuns()
    {
        // tp_btf: the target is the typedef btf_trace_<name> in vmlinux BTF, fixed at load time.
        using var counters = TestPrograms.CreateCounterMap();
        using var program = BpfProgram.Load(
            new BpfProgramLoadOptions
            {
                Type = BpfProgramType.Tracing,
                ExpectedAttachType = BpfAttachType.TraceRawTp,
                AttachBtfId = VmlinuxBtf.FindTypeId("btf_trace_sched_process_exit", VmlinuxBtf.KindTypedef),
                Name = "tp_btf_exit",
            },
            TestPrograms.Counter(counters));
        using var link = BpfLink.AttachTracing(program);
        Assert.Equal(BpfAttachMethod.RawTracepointOpen, link.Method);
        using (var child = System.Diagnostics.Process.Start("/bin/true"))
        {
            child.WaitForExit();
        }

        Assert.True(TestPrograms.ReadCounter(counters) >= 1);
        Assert.Equal(1u, link.GetInfo()!.Type); // BPF_LINK_TYPE_RAW_TRACEPOINT: tp_btf is a raw tracepoint with BTF-typed arguments
    }

    [Fact]
    public void UnknownTracepointNamesTheMissingFile()
    {
        using var program = TestPrograms.LoadTracepoint(TestPrograms.ReturnZero, "nothing");
        var error = Assert.Throws<KernelInterfaceException>(() => BpfLink.AttachTracepoint(program, "sched", "no_such_tracepoint"));
        Assert.Contains("sched/no_such_tracepoint", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<RawBpfException>(error);
    }

    [Fact]
    public void TracefsIsFound()
    {
        var root = Tracefs.Locate();
        Assert.True(Directory.Exists(Path.Combine(root, "events", "sched")));
        Assert.True(Tracefs.GetTracepointId("sched", "sched_process_exit") > 0);
    }
}
