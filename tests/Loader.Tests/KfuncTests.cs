using RawBpf.BtfCore;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

using static RawBpf.BtfCore.BpfAssembler;

namespace RawBpf.Loader.Tests;

/// <summary>
/// kfuncs beyond bpf_rcu_read_lock (KsymTests): nf_conntrack's, which are in vmlinux here and in a module on
/// Debian's kernels (the kernel matrix loads that module and checks the module path, with fd_array), and the
/// fd_array plumbing itself, which this host can show without module BTF.
/// </summary>
public class KfuncTests
{
    [Fact]
    public void ConntrackKfuncsAreCalledFromXdp()
    {
        using var obj = ObjectTestSupport.OpenTestObject("kfunc_conntrack.bpf.o");
        obj.Load();

        // An Ethernet frame's worth of zeros: the program looks up its own fixed tuple, whatever the packet.
        Assert.Equal(2u /* XDP_PASS */, TestRun.Run(obj.GetProgram("ct_lookup"), new byte[64]));
        Assert.Equal(1ul, ObjectTestSupport.ReadU64(obj, "lookups"));
        Assert.Equal(1ul, ObjectTestSupport.ReadU64(obj, "misses"));
    }

    [Fact]
    public void FentryOnTheConntrackKfuncIsRefusedHereInOneLine()
    {
        using var obj = ObjectTestSupport.OpenTestObject("fentry_module.bpf.o");
        var e = Assert.Throws<BpfObjectLoadException>(() => obj.Load());
        Assert.Contains("program 'count_ct_lookup' was refused by the kernel (EPERM)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KernelBtfObjectsAreOpenedByNameAndGivenFdArraySlotsFromOne()
    {
        using var objects = new KernelModuleBtfObjects("kfunc_test");
        Assert.Empty(objects.FdArray);
        var vmlinux = objects.Open("vmlinux");
        Assert.Equal("vmlinux", ObjectInfo.GetKernelBtfName(vmlinux));
        Assert.Same(vmlinux, objects.Open("vmlinux"));

        Assert.Equal(1, objects.FdArrayIndex("vmlinux"));
        Assert.Equal(1, objects.FdArrayIndex("vmlinux"));
        Assert.Equal([null, vmlinux], objects.FdArray);

        var e = Assert.Throws<BpfObjectLoadException>(() => objects.Open("rawbpf_no_such_module"));
        Assert.Equal("object 'kfunc_test': module 'rawbpf_no_such_module' has BTF in /sys/kernel/btf but no kernel BTF object (was it unloaded?)", e.Message);
    }

    [Fact]
    public void FdArrayReachesTheVerifierWhichReadsTheSlotAKfuncCallNames()
    {
        using var types = KernelTypes.FromSystem();
        var rcuReadLock = types.Vmlinux.FindTypeId("bpf_rcu_read_lock", BtfKind.Func);
        Assert.True(rcuReadLock > 0);
        // call bpf_rcu_read_lock with offset 1: the kfunc's BTF is fd_array[1]; r0 = 0; exit.
        BpfInstruction[] code =
        [
            new(BpfOpcode.ClassJmp | BpfOpcode.JumpCall, 0, BpfOpcode.PseudoKfuncCall, 1, rcuReadLock),
            Mov64(0, 0),
            Exit(),
        ];
        var options = new BpfProgramLoadOptions { Type = BpfProgramType.RawTracepoint, Name = "kfunc_slot" };

        var withoutArray = Assert.Throws<BpfProgramLoadException>(() => BpfProgram.Load(options, code));
        Assert.Contains("kfunc offset > 0 without fd_array is invalid", withoutArray.Log, StringComparison.Ordinal);

        // Slot 1 holds vmlinux's BTF object: read and refused for not being a module's, so the array arrived.
        using var modules = new KernelModuleBtfObjects("kfunc_test");
        modules.FdArrayIndex("vmlinux");
        var withArray = Assert.Throws<BpfProgramLoadException>(() => BpfProgram.Load(options with { FdArray = modules.FdArray }, code));
        Assert.Contains("BTF fd for kfunc is not a module BTF", withArray.Log, StringComparison.Ordinal);
    }
}
