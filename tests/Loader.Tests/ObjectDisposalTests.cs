using System.Text.RegularExpressions;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;
using RawBpf.Tests.Shared;

namespace RawBpf.Loader.Tests;

/// <summary>Disposing a loaded and attached BpfObject (and its readers) leaves no descriptor and no kernel object.</summary>
public class ObjectDisposalTests
{
    [Fact]
    public void DisposingLoadedAttachedObjectsWithReadersLeavesNothing()
    {
        var programIds = new List<uint>();
        var mapIds = new List<uint>();
        ObjectTestSupport.AssertLeavesNothingBehind(() =>
        {
            foreach (var preference in new[] { TracepointAttachPreference.ForceLink, TracepointAttachPreference.ForceIoctl })
            {
                using (var exitsnoop = ObjectTestSupport.OpenExitsnoop())
                {
                    exitsnoop.Load();
                    exitsnoop.Attach("handle_exit", preference);
                    using var ring = new RingBuffer(exitsnoop.GetMap("events"));
                    RecordIds(exitsnoop, programIds, mapIds);
                }

                using var multi = ObjectTestSupport.OpenTestObject("multi_prog.bpf.o");
                multi.Load();
                multi.Attach("prog_enter");
                multi.Attach("prog_exit");
                RecordIds(multi, programIds, mapIds);
                // A reader left undisposed on purpose is still the caller's: dispose it after the object, the
                // order a using block at a wider scope gives.
                var perf = new PerfEventArrayReader(multi.GetMap("perf_events"));
                multi.Dispose();
                perf.Dispose();
            }
        });

        // bpftool, the oracle, lists none of them either. A map outlives its last fd until the programs that
        // used it are freed after an RCU grace period, so its id may linger a moment: poll, with a bound.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IEnumerable<uint> lingeringPrograms, lingeringMaps;
        do
        {
            var programs = ExternalTool.RunChecked("bpftool", "prog", "show");
            var maps = ExternalTool.RunChecked("bpftool", "map", "show");
            lingeringPrograms = programIds.Intersect(Ids(System.Text.Encoding.UTF8.GetString(programs))).ToList();
            lingeringMaps = mapIds.Intersect(Ids(System.Text.Encoding.UTF8.GetString(maps))).ToList();
            if (!lingeringPrograms.Any() && !lingeringMaps.Any())
                break;
            Thread.Sleep(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Empty(lingeringPrograms);
        Assert.Empty(lingeringMaps);
    }

    private static void RecordIds(BpfObject obj, List<uint> programIds, List<uint> mapIds)
    {
        programIds.AddRange(obj.Programs.Values.Select(p => p.GetInfo().Id));
        mapIds.AddRange(obj.Maps.Values.Select(m => m.GetInfo().Id));
        Assert.All(obj.Programs.Values, p => Assert.Contains(p.GetInfo().Id, BpfObjectIds.ProgramIds()));
    }

    /// <summary>The ids at the start of bpftool's "ID: type ..." lines.</summary>
    private static HashSet<uint> Ids(string bpftoolOutput) =>
        Regex.Matches(bpftoolOutput, @"^(\d+): ", RegexOptions.Multiline).Select(m => uint.Parse(m.Groups[1].Value)).ToHashSet();

    [Fact]
    public void DisposeIsIdempotentAndUseAfterDisposeFailsCleanly()
    {
        var obj = ObjectTestSupport.OpenTestObject("multi_prog.bpf.o");
        obj.Load();
        obj.Attach("prog_enter");
        obj.Dispose();
        obj.Dispose();
        Assert.Empty(obj.Maps);
        Assert.Empty(obj.Programs);
        Assert.Empty(obj.Links);
        Assert.Throws<KeyNotFoundException>(() => obj.GetMap("calls_by_tgid"));
        Assert.Throws<KeyNotFoundException>(() => obj.Attach("prog_enter"));
        Assert.Throws<InvalidOperationException>(() => obj.Load());
    }

    [Theory]
    [InlineData(TracepointAttachPreference.ForceIoctl, BpfAttachMethod.PerfEventIoctl)]
    [InlineData(TracepointAttachPreference.ForceLink, BpfAttachMethod.PerfEventLink)]
    public void TheLoadOptionsTracepointPreferenceIsHowAttachAttaches(TracepointAttachPreference preference, BpfAttachMethod method)
    {
        // Was: BpfObjectLoadOptions.TracepointAttach was ignored, Attach always chose automatically.
        using var obj = ObjectTestSupport.OpenExitsnoop();
        obj.Load(new BpfObjectLoadOptions { TracepointAttach = preference });
        Assert.Equal(method, obj.Attach("handle_exit").Method);
    }
}
