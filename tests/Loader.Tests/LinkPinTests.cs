using RawBpf.Loader.Links;
using RawBpf.Tests.Shared;

using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>A link pinned in bpffs outlives its fd; re-opened from the pin it reports its kind; unpinned, it is gone.</summary>
public class LinkPinTests
{
    [Fact]
    public void APinnedUprobeLinkKeepsCountingAfterDisposeUntilUnpinned()
    {
        BpfFs.EnsureMounted();
        var pin = $"/sys/fs/bpf/rawbpf-att-trace-link-{Environment.ProcessId}";
        var go = Path.Combine(Path.GetTempPath(), $"rawbpf-att-trace-go-{Guid.NewGuid():N}");
        using var target = AttachTestSupport.StartUprobeTarget(10, go);
        using var obj = ObjectTestSupport.OpenTestObject("uprobe_counts.bpf.o");
        obj.SetVariable("target_tgid", (uint)target.Id);
        obj.Load();
        uint linkId;
        try
        {
            using (var link = obj.Attach("count_uprobe"))
            {
                Assert.Equal(BpfAttachMethod.PerfEventLink, link.Method);
                link.Pin(pin);
                linkId = link.GetInfo()!.Id;
            }

            using (var reopened = BpfLink.OpenPinned(pin))
            {
                Assert.Equal(BpfAttachMethod.Pinned, reopened.Method);
                Assert.Equal(linkId, reopened.GetInfo()!.Id);
                Assert.Equal((uint)BpfLinkType.PerfEvent, reopened.GetInfo()!.Type);
                Assert.Contains("perf_event link", reopened.Target, StringComparison.Ordinal);
            }

            AttachTestSupport.Release(target, go);
            Assert.Equal(10UL, ObjectTestSupport.ReadU64(obj, "uprobe_hits"));
        }
        finally
        {
            File.Delete(pin);
        }

        AttachTestSupport.AssertGone([linkId], []);
    }
}
