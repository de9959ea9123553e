using RawBpf.BtfCore;
using RawBpf.Loader.Links;
using RawBpf.Loader.Objects;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// struct_ops_cc.bpf.o registered as real TCP congestion controls on the running kernel: the name appears in
/// /proc/sys/net/ipv4/tcp_available_congestion_control while the link lives and is gone after it is disposed.
/// </summary>
public class StructOpsTests
{
    private const string Available = "/proc/sys/net/ipv4/tcp_available_congestion_control";

    private static bool IsRegistered(string name) => File.ReadAllText(Available).Split(' ', '\n').Contains(name);

    [Fact]
    public void StructOpsMapsAreCreatedWithTheKernelsValueTypeAndTheirProgramsLoaded()
    {
        using var obj = ObjectTestSupport.OpenTestObject("struct_ops_cc.bpf.o");
        obj.Load();

        var expectedSize = StructOpsValueSize();
        foreach (var name in new[] { "rawbpf_cc", "rawbpf_cc_lnk" })
        {
            var info = obj.GetMap(name).GetInfo();
            Assert.Equal(BpfMapType.StructOps, info.Type);
            Assert.Equal((4u, expectedSize, 1u), (info.KeySize, info.ValueSize, info.MaxEntries));
            Assert.NotEqual(0u, info.BtfId);
        }
        Assert.Equal(BpfMapFlags.Link, obj.GetMap("rawbpf_cc_lnk").GetInfo().Flags & BpfMapFlags.Link);
        // unused_op is in no struct_ops map: not loaded, as libbpf 1.4+.
        Assert.Equal(["rawbpf_cong_avoid", "rawbpf_ssthresh", "rawbpf_undo_cwnd"], obj.Programs.Keys.Order(StringComparer.Ordinal));
        Assert.All(obj.Programs.Values, p => Assert.Equal(BpfProgramType.StructOps, p.GetInfo().Type));
        Assert.False(IsRegistered("rawbpf_cc"));
    }

    [Theory]
    [InlineData("rawbpf_cc", BpfAttachMethod.StructOpsMapUpdate)]
    [InlineData("rawbpf_cc_lnk", BpfAttachMethod.LinkCreate)]
    public void RegisteringMakesACongestionControlUntilDisposed(string name, BpfAttachMethod method)
    {
        using var obj = ObjectTestSupport.OpenTestObject("struct_ops_cc.bpf.o");
        obj.Load();

        var link = obj.AttachStructOps(name);
        try
        {
            Assert.Equal(method, link.Method);
            Assert.True(IsRegistered(name), $"{name} not in {Available}: {File.ReadAllText(Available)}");
            if (method == BpfAttachMethod.LinkCreate)
                Assert.Equal((uint)BpfLinkType.StructOps, link.GetInfo()!.Type);
        }
        finally
        {
            link.Dispose();
        }
        Assert.False(IsRegistered(name));
    }

    [Fact]
    public void DisposingTheObjectUnregistersToo()
    {
        using (var obj = ObjectTestSupport.OpenTestObject("struct_ops_cc.bpf.o"))
        {
            obj.Load();
            obj.AttachStructOps("rawbpf_cc");
            obj.AttachStructOps("rawbpf_cc_lnk");
            Assert.True(IsRegistered("rawbpf_cc") && IsRegistered("rawbpf_cc_lnk"));
        }
        Assert.False(IsRegistered("rawbpf_cc"));
        Assert.False(IsRegistered("rawbpf_cc_lnk"));
    }

    [Fact]
    public void AttachingAMapThatIsNoStructOpsMapSaysSo()
    {
        using var obj = ObjectTestSupport.OpenTestObject("struct_ops_cc.bpf.o");
        obj.Load();

        var e = Assert.Throws<BpfAttachException>(() => obj.AttachStructOps("struct_o.bss"));
        Assert.Equal("object 'struct_ops_cc' has no loaded struct_ops map 'struct_o.bss'", e.Message);
    }

    private static uint StructOpsValueSize()
    {
        using var kernel = Btf.Parse(File.ReadAllBytes("/sys/kernel/btf/vmlinux"));
        return kernel.GetType(kernel.FindTypeId("bpf_struct_ops_tcp_congestion_ops", BtfKind.Struct)).Size;
    }
}
