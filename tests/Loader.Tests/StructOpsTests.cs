using RawBpf.BtfCore;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Objects;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// struct_ops_cc.bpf.o (.struct_ops) and struct_ops_link.bpf.o (.struct_ops.link) registered as real TCP congestion controls on the running kernel: the name appears in
/// /proc/sys/net/ipv4/tcp_available_congestion_control while the link lives and is gone after it is disposed.
/// </summary>
public class StructOpsTests
{
    private const string Available = "/proc/sys/net/ipv4/tcp_available_congestion_control";

    private static bool IsRegistered(string name) => File.ReadAllText(Available).Split(' ', '\n').Contains(name);

    private static BpfObject Loaded(string objectName)
    {
        var obj = ObjectTestSupport.OpenTestObject(objectName);
        obj.Load();
        return obj;
    }

    [Theory]
    [InlineData("struct_ops_cc.bpf.o", "rawbpf_cc", BpfMapFlags.None)]
    [InlineData("struct_ops_link.bpf.o", "rawbpf_cc_lnk", BpfMapFlags.Link)]
    public void StructOpsMapIsCreatedWithTheKernelsValueTypeAndItsProgramsLoaded(string objectName, string name, BpfMapFlags flags)
    {
        using var obj = Loaded(objectName);

        var info = obj.GetMap(name).GetInfo();
        Assert.Equal(BpfMapType.StructOps, info.Type);
        Assert.Equal((4u, StructOpsValueSize(), 1u), (info.KeySize, info.ValueSize, info.MaxEntries));
        Assert.Equal(flags, info.Flags & BpfMapFlags.Link);
        Assert.NotEqual(0u, info.BtfId);
        Assert.Equal(["rawbpf_cong_avoid", "rawbpf_ssthresh", "rawbpf_undo_cwnd"], obj.Programs.Keys.Order(StringComparer.Ordinal));
        Assert.All(obj.Programs.Values, p => Assert.Equal(BpfProgramType.StructOps, p.GetInfo().Type));
        // Loading registers nothing (as libbpf): that is AttachStructOps's.
        Assert.False(IsRegistered(name));
    }

    [Theory]
    [InlineData("struct_ops_cc.bpf.o", "rawbpf_cc", BpfAttachMethod.StructOpsMapUpdate)]
    [InlineData("struct_ops_link.bpf.o", "rawbpf_cc_lnk", BpfAttachMethod.LinkCreate)]
    public void RegisteringMakesACongestionControlUntilDisposed(string objectName, string name, BpfAttachMethod method)
    {
        using var obj = Loaded(objectName);

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
        using (var plain = Loaded("struct_ops_cc.bpf.o"))
        using (var linked = Loaded("struct_ops_link.bpf.o"))
        {
            plain.AttachStructOps("rawbpf_cc");
            linked.AttachStructOps("rawbpf_cc_lnk");
            Assert.True(IsRegistered("rawbpf_cc") && IsRegistered("rawbpf_cc_lnk"));
        }
        Assert.False(IsRegistered("rawbpf_cc"));
        Assert.False(IsRegistered("rawbpf_cc_lnk"));
    }

    /// <summary>
    /// struct_ops_cli_link.bpf.o (the CLI tests' names, so as not to meet a concurrent run of the tests above):
    /// disconnected, the .struct_ops map stays registered after the object is disposed and the unpinned link does not;
    /// found again among the kernel's maps, the registration is named and undone by id.
    /// </summary>
    [Fact]
    public void DisconnectedRegistrationsOutliveTheObjectWhereTheKernelHoldsThem()
    {
        BpfFs.EnsureMounted();
        var pin = $"/sys/fs/bpf/rawbpf-sops-structops-{Environment.ProcessId}";
        uint plainId = 0;
        try
        {
            using (var obj = Loaded("struct_ops_cli_link.bpf.o"))
            {
                var linked = obj.AttachStructOps("rawbpf_cli_lnk");
                var plain = obj.AttachStructOps("rawbpf_cli_pln");
                linked.Disconnect();
                plain.Disconnect();
                linked.Pin(pin);
                plainId = obj.GetMap("rawbpf_cli_pln").GetInfo().Id;
            }
            Assert.True(IsRegistered("rawbpf_cli_pln") && IsRegistered("rawbpf_cli_lnk"), File.ReadAllText(Available));

            using var map = BpfObjectIds.TryOpenMap(plainId)!;
            var info = map.GetInfo();
            Assert.Contains(plainId, BpfObjectIds.MapIds());
            using (var kernel = Btf.Parse(File.ReadAllBytes("/sys/kernel/btf/vmlinux")))
            {
                Assert.Equal(kernel.FindTypeId("bpf_struct_ops_tcp_congestion_ops", BtfKind.Struct), (int)info.BtfVmlinuxValueTypeId);
                Assert.Equal("tcp_congestion_ops", StructOpsLink.KernelStructName(info, kernel));
            }
            StructOpsLink.Unregister(map);
            Assert.False(IsRegistered("rawbpf_cli_pln"));
            var again = Assert.Throws<BpfAttachException>(() => StructOpsLink.Unregister(map));
            Assert.Equal($"struct_ops map rawbpf_cli_pln id {plainId} is not registered (unregistered already)", again.Message);
        }
        finally
        {
            // Whatever failed, nothing stays registered: a leftover congestion control breaks later runs.
            File.Delete(pin);
            if (plainId != 0 && IsRegistered("rawbpf_cli_pln") && BpfObjectIds.TryOpenMap(plainId) is { } leftover)
            {
                using (leftover)
                    StructOpsLink.Unregister(leftover);
            }
        }
        Assert.True(NetworkNamespacePair.WaitUntil(() => !IsRegistered("rawbpf_cli_lnk")), "rawbpf_cli_lnk still registered after its pin was removed");
    }

    [Fact]
    public void ADisconnectedLinkThatIsNotPinnedEndsWithItsDescriptor()
    {
        using (var obj = Loaded("struct_ops_cli_link.bpf.o"))
            obj.AttachStructOps("rawbpf_cli_lnk").Disconnect();
        Assert.True(NetworkNamespacePair.WaitUntil(() => !IsRegistered("rawbpf_cli_lnk")), "rawbpf_cli_lnk still registered after its only descriptor closed");
    }

    [Fact]
    public void AttachingAMapThatIsNoStructOpsMapSaysSo()
    {
        using var obj = Loaded("struct_ops_cc.bpf.o");

        var e = Assert.Throws<BpfAttachException>(() => obj.AttachStructOps("struct_o.bss"));
        Assert.Equal("object 'struct_ops_cc' has no loaded struct_ops map 'struct_o.bss'", e.Message);
    }

    private static uint StructOpsValueSize()
    {
        using var kernel = Btf.Parse(File.ReadAllBytes("/sys/kernel/btf/vmlinux"));
        return kernel.GetType(kernel.FindTypeId("bpf_struct_ops_tcp_congestion_ops", BtfKind.Struct)).Size;
    }
}
