using RawBpf.BtfCore;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;

namespace RawBpf.Loader.Tests;

/// <summary>This machine runs 6.18: every probe must say yes.</summary>
public class FeatureTests
{
    [Fact]
    public void ModernKernelHasEverything()
    {
        Assert.True(KernelFeatures.HasRingBuffer);
        Assert.True(KernelFeatures.HasPerfEventLink);
        Assert.True(KernelFeatures.HasMemcgAccounting);
        Assert.Equal(BtfFeatures.All, KernelFeatures.Btf);
    }

    [Fact]
    public void MemlockIsLeftAloneUnderMemcgAccounting()
    {
        var before = MemlockLimit.Current;
        Assert.Equal(MemlockOutcome.NotNeeded, MemlockLimit.RaiseIfNeeded());
        Assert.Equal(before, MemlockLimit.Current);
    }

    [Fact]
    public void ProbesRunOnce()
    {
        _ = KernelFeatures.HasRingBuffer;
        var events = new List<SyscallEvent>();
        using (SyscallTrace.Subscribe(events.Add))
        {
            _ = KernelFeatures.HasRingBuffer;
            _ = KernelFeatures.HasPerfEventLink;
            _ = KernelFeatures.HasMemcgAccounting;
            _ = KernelFeatures.Btf;
        }

        // The earlier test (or this one's first line) ran them; nothing is probed twice.
        Assert.DoesNotContain(events, e => e.Arguments.Contains("RINGBUF", StringComparison.Ordinal));
    }
}
