using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Readers;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

public class SyscallTraceTests
{
    [Fact]
    public void EveryKernelCallIsNarrated()
    {
        var lines = new List<string>();
        using (SyscallTrace.Subscribe(e => lines.Add(e.ToString())))
        {
            using var ring = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Ringbuf, MaxEntries = 16384, Name = "events" });
            using var counters = TestPrograms.CreateCounterMap();
            using var program = TestPrograms.LoadTracepoint(TestPrograms.Counter(counters), "traced");
            using var link = BpfLink.AttachTracepoint(program, "sched", "sched_process_exit", TracepointAttachPreference.ForceIoctl);
            using var reader = new RingBuffer(ring);
            Assert.Throws<BpfSyscallException>(() => counters.Delete(BitConverter.GetBytes(0u)));
        }

        Assert.Contains(lines, l => l.StartsWith("bpf(BPF_MAP_CREATE, map_type=RINGBUF key_size=0 value_size=0 max_entries=16384 name=events) = ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("bpf(BPF_PROG_LOAD, prog_type=TRACEPOINT insn_cnt=11 license=\"GPL\" name=traced) = ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("perf_event_open({type=PERF_TYPE_TRACEPOINT config=", StringComparison.Ordinal) && l.Contains("pid=-1, cpu=0, group_fd=-1, flags=PERF_FLAG_FD_CLOEXEC", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("ioctl(", StringComparison.Ordinal) && l.Contains("PERF_EVENT_IOC_SET_BPF", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("bpf(BPF_MAP_DELETE_ELEM, map_fd=", StringComparison.Ordinal) && l.EndsWith("= -1 EINVAL (Invalid argument)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("close(", StringComparison.Ordinal));
    }

    [Fact]
    public void UnsubscribedObserversHearNothing()
    {
        var count = 0;
        var subscription = SyscallTrace.Subscribe(_ => count++);
        subscription.Dispose();
        using var map = TestPrograms.CreateCounterMap();
        Assert.Equal(0, count);
        Assert.Null(SyscallTrace.Observer);
    }
}
