using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

public class ResourceTests
{
    [Fact]
    public void DisposingEverythingLeavesNoFdAndNoProgram()
    {
        // Warm up lazies (probes, tracefs, CPU lists) so they do not count as leaks.
        _ = KernelFeatures.HasPerfEventLink;
        Tracefs.Locate();
        _ = CpuSet.PossibleCount;
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var fdsBefore = TestLibc.OpenFdCount();
        var programIds = new List<uint>();
        foreach (var preference in new[] { TracepointAttachPreference.ForceLink, TracepointAttachPreference.ForceIoctl })
        {
            using var counters = TestPrograms.CreateCounterMap();
            using var ring = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Ringbuf, MaxEntries = 16384, Name = "leak_ring" });
            using var perf = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.PerfEventArray, KeySize = 4, ValueSize = 4, MaxEntries = (uint)CpuSet.PossibleCount });
            using var btf = BpfBtfObject.Load(BtfProbes.FuncBlob(BtfLinkage.Global));
            using var program = TestPrograms.LoadTracepoint(TestPrograms.Counter(counters), "leak_check");
            using var link = BpfLink.AttachTracepoint(program, "sched", "sched_process_exit", preference);
            using var reader = new RingBuffer(ring);
            using var perfReader = new PerfEventArrayReader(perf);
            programIds.Add(program.GetInfo().Id);
            Assert.Contains(program.GetInfo().Id, BpfObjectIds.ProgramIds());
        }

        Assert.Equal(fdsBefore, TestLibc.OpenFdCount());

        // The kernel frees a program when its last reference goes; a perf event's reference may be dropped
        // from deferred work, so give it a moment.
        foreach (var id in programIds)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (BpfObjectIds.TryOpenProgram(id) is { } stillThere && DateTime.UtcNow < deadline)
            {
                stillThere.Dispose();
                Thread.Sleep(10);
            }

            Assert.Null(BpfObjectIds.TryOpenProgram(id));
            Assert.DoesNotContain(id, BpfObjectIds.ProgramIds());
        }
    }

    [Fact]
    public void FdZeroIsNeverHandedOutForABpfObject()
    {
        using var map = TestPrograms.CreateCounterMap();
        Assert.True(map.Fd.RawFd >= 3);
        Assert.False(map.Fd.IsInvalid);
    }
}
