using RawBpf.Loader.Host;
using RawBpf.Loader.Links;

using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// kprobe, kretprobe, ksyscall and kprobe.multi. The host 6.18 kernel has no kprobes (CONFIG_KPROBES unset: no
/// kprobe PMU, no kprobe_events) and no fprobe: there each test asserts the clean error naming what is missing;
/// on a kernel with kprobes (the kernel matrix guests run the same through rawbpf) it sees the events.
/// </summary>
public class KprobeAttachTests
{
    [Fact]
    public void SectionKprobesCountOpensOrNameTheMissingKprobes()
    {
        using var obj = ObjectTestSupport.OpenTestObject("kprobe_counts.bpf.o");
        // LINUX_HAS_SYSCALL_WRAPPER (a non-weak .kconfig extern of BPF_KSYSCALL) is filled by the loader's probe.
        obj.Load();
        if (ProbePmu.Kprobe is null && !File.Exists(Path.Combine(Tracefs.Locate(), "kprobe_events")))
        {
            foreach (var program in new[] { "count_kprobe", "count_kretprobe", "count_ksyscall" })
            {
                var error = Assert.Throws<BpfLinkNotSupportedException>(() => obj.Attach(program));
                Assert.Equal("this kernel does not support kprobes: it needs Linux 4.17 built with CONFIG_KPROBES=y (no kprobe PMU in /sys/bus/event_source/devices and no kprobe_events in tracefs)", error.Message);
            }

            Assert.Empty(obj.Links);
            return;
        }

        obj.Attach("count_kprobe");
        obj.Attach("count_kretprobe");
        obj.Attach("count_ksyscall");
        for (var i = 0; i < 5; i++)
        {
            File.ReadAllBytes("/proc/self/stat");
            TestLibc.getpid();
        }

        Assert.True(ObjectTestSupport.ReadU64(obj, "kprobe_hits") >= 5);
        Assert.True(ObjectTestSupport.ReadU64(obj, "kretprobe_hits") >= 5);
        Assert.True(ObjectTestSupport.ReadU64(obj, "ksyscall_hits") >= 5);
        Assert.Equal(KernelFeatures.HasSyscallWrapper ? 2ul : 1ul, ObjectTestSupport.ReadU64(obj, "syscall_wrapper_seen"));
    }

    [Fact]
    public void AnUnknownKernelFunctionIsNamed()
    {
        using var obj = ObjectTestSupport.OpenTestObject("kprobe_counts.bpf.o");
        obj.Load();
        var program = obj.GetProgram("manual_kprobe");
        var error = Assert.ThrowsAny<BpfAttachException>(() => program.AttachKprobe("rawbpf_no_such_kernel_function"));
        if (ProbePmu.Kprobe is null && !File.Exists(Path.Combine(Tracefs.Locate(), "kprobe_events")))
            Assert.Contains("CONFIG_KPROBES", error.Message, StringComparison.Ordinal);
        else
            Assert.Contains("unknown kernel function \"rawbpf_no_such_kernel_function\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KprobeMultiCountsOpensOrNamesTheKernelItNeeds()
    {
        using var obj = ObjectTestSupport.OpenTestObject("kprobe_multi_counts.bpf.o");
        obj.Load();
        if (!KernelFeatures.HasKprobeMultiLink)
        {
            var error = Assert.Throws<BpfLinkNotSupportedException>(() => obj.Attach("count_multi"));
            Assert.Equal("5.18 built with CONFIG_FPROBE=y", error.RequiredKernel);
            Assert.StartsWith("this kernel does not support kprobe.multi links (BPF_TRACE_KPROBE_MULTI): it needs Linux 5.18", error.Message, StringComparison.Ordinal);
            return;
        }

        var link = Assert.IsType<KprobeMultiLink>(obj.Attach("count_multi"));
        var returns = Assert.IsType<KprobeMultiLink>(obj.Attach("count_multi_return"));
        Assert.Contains("do_sys_openat2", returns.Functions);
        File.ReadAllBytes("/proc/self/stat");
        Assert.True(ObjectTestSupport.ReadU64(obj, "multi_hits") >= 1);
        Assert.True(ObjectTestSupport.ReadU64(obj, "multi_return_hits") >= 1);
        Assert.Equal((uint)BpfLinkType.KprobeMulti, link.GetInfo()!.Type);
    }
}
