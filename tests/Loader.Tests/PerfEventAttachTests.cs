using System.Diagnostics;
using RawBpf.Loader.Host;
using RawBpf.Loader.Links;
using RawBpf.Tests.Shared;

namespace RawBpf.Loader.Tests;

/// <summary>perf_event programs on a software cpu-clock event per CPU, sampled by period or frequency.</summary>
public class PerfEventAttachTests
{
    [Fact]
    public void CpuClockSamplesReachTheProgramWithItsCookieThenNothingRemains()
    {
        uint[] linkIds, programIds;
        using (var obj = ObjectTestSupport.OpenTestObject("perf_event_counts.bpf.o"))
        {
            obj.Load();
            var program = obj.GetProgram("count_samples");
            // Every 1 ms of CPU time, on every online CPU.
            using (var link = program.AttachPerfEvent(new PerfEventSampling { SamplePeriod = 1_000_000, Cookie = 77 }))
            {
                Assert.Equal(CpuSet.Online().Count, link.CpuCount);
                BurnCpu(TimeSpan.FromMilliseconds(100));
                Assert.True(ObjectTestSupport.ReadU64(obj, "samples") >= 10, $"{ObjectTestSupport.ReadU64(obj, "samples")} samples in 100 ms of CPU at 1 kHz");
                Assert.Equal(77UL, ObjectTestSupport.ReadU64(obj, "last_cookie"));
                linkIds = link.Method == BpfAttachMethod.PerfEventLink ? [link.GetInfo()!.Id] : [];
            }

            // Detached: the count stands still.
            var after = ObjectTestSupport.ReadU64(obj, "samples");
            BurnCpu(TimeSpan.FromMilliseconds(50));
            Assert.Equal(after, ObjectTestSupport.ReadU64(obj, "samples"));

            // The section's own default (99 Hz software cpu-clock) through Attach().
            var byFrequency = Assert.IsType<PerfEventLink>(obj.Attach("count_samples"));
            BurnCpu(TimeSpan.FromMilliseconds(300));
            Assert.True(ObjectTestSupport.ReadU64(obj, "samples") > after, "samples at 99 Hz in 300 ms of CPU");
            Assert.Contains("99 Hz", byFrequency.Target, StringComparison.Ordinal);
            programIds = [program.GetInfo().Id];
        }

        AttachTestSupport.AssertGone(linkIds, programIds);
    }

    [Fact]
    public void ACookieOnTheIoctlPathIsRefused()
    {
        using var obj = ObjectTestSupport.OpenTestObject("perf_event_counts.bpf.o");
        obj.Load();
        var error = Assert.Throws<ArgumentException>(() => PerfEventLink.Attach(
            obj.GetProgram("count_samples"), new PerfEventSampling { Cookie = 1, Cpus = [0] }, TracepointAttachPreference.ForceIoctl));
        Assert.Contains("a BPF cookie needs a bpf_link", error.Message, StringComparison.Ordinal);
    }

    private static void BurnCpu(TimeSpan time)
    {
        var clock = Stopwatch.StartNew();
        var spin = 0UL;
        while (clock.Elapsed < time)
            spin++;
        GC.KeepAlive(spin);
    }
}
