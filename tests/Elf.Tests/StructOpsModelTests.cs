using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf.Tests;

/// <summary>
/// struct_ops_cc.bpf.o and struct_ops_link.bpf.o: .struct_ops and .struct_ops.link variables become STRUCT_OPS maps whose function pointers
/// name their programs; hidden_subprog.bpf.o: a __weak __hidden function gets a static BTF FUNC for the kernel.
/// </summary>
public class StructOpsModelTests
{
    private static readonly Lazy<BpfObjectFile> StructOps = new(() => TestObjects.Load(TestObjects.Object("struct_ops_cc.bpf.o")));

    [Theory]
    [InlineData("struct_ops_cc.bpf.o", "rawbpf_cc", BpfMapFlags.None)]
    [InlineData("struct_ops_link.bpf.o", "rawbpf_cc_lnk", BpfMapFlags.Link)]
    public void EachStructOpsVariableIsAMapWithItsProgramsByMember(string objectName, string name, BpfMapFlags flags)
    {
        var map = TestObjects.Load(TestObjects.Object(objectName)).FindMap(name);

        Assert.NotNull(map);
        Assert.Equal(MapKind.StructOps, map.Kind);
        Assert.False(map.IsInternal);
        Assert.Equal(BpfMapType.StructOps, map.Type);
        Assert.Equal(flags, map.Flags);
        Assert.Equal((4u, 1u), (map.KeySize, map.MaxEntries));
        Assert.Equal("tcp_congestion_ops", map.StructOps!.TypeName);
        Assert.Equal(map.ValueSize, (uint)map.InitialValue.Length);
        // The local struct's member order: name, undo_cwnd, cong_avoid, ssthresh, flags.
        Assert.Equal(
            [(1, "undo_cwnd", "rawbpf_undo_cwnd"), (2, "cong_avoid", "rawbpf_cong_avoid"), (3, "ssthresh", "rawbpf_ssthresh")],
            map.StructOps.Functions.OrderBy(f => f.MemberIndex).Select(f => (f.MemberIndex, f.MemberName, f.ProgramName)));
        Assert.StartsWith(name + "\0", System.Text.Encoding.ASCII.GetString(map.InitialValue.Span[..16]), StringComparison.Ordinal);
    }

    [Fact]
    public void KernelLayoutPlacesMembersByNameAndRefusesWhatTheKernelLacks()
    {
        var map = StructOps.Value.FindMap("rawbpf_cc")!;
        var local = StructOps.Value.Btf!;
        using var kernel = Btf.Parse(File.ReadAllBytes("/sys/kernel/btf/vmlinux"));

        var layout = StructOpsKernelLayout.Resolve(map, local, kernel, out var error);

        Assert.Null(error);
        Assert.NotNull(layout);
        var valueType = kernel.GetType(layout.ValueTypeId);
        Assert.Equal("bpf_struct_ops_tcp_congestion_ops", valueType.Name);
        Assert.Equal((int)valueType.Size, layout.Value.Length);
        var kernelStruct = kernel.GetType(layout.StructTypeId);
        Assert.Equal("tcp_congestion_ops", kernelStruct.Name);
        foreach (var (program, memberIndex, _) in layout.Functions)
            Assert.Equal(program["rawbpf_".Length..], kernelStruct.Members[memberIndex].Name);
        var fds = layout.ValueWithPrograms(program => program.Length);
        Assert.Equal(3, layout.Functions.Count(f => BitConverter.ToUInt64(fds, f.ValueOffset) == (ulong)f.Program.Length));

        // A kernel BTF without the struct: the error names it.
        var other = TestObjects.Load(TestObjects.Object("hidden_subprog.bpf.o")).Btf!;
        Assert.Null(StructOpsKernelLayout.Resolve(map, local, other, out error));
        Assert.Equal("struct tcp_congestion_ops is not in the kernel's BTF", error);
    }

    [Fact]
    public void HiddenWeakFunctionIsStaticInTheKernelsBtf()
    {
        var obj = TestObjects.Load(TestObjects.Object("hidden_subprog.bpf.o"));
        var function = obj.FindProgram("store_answer")!;
        Assert.True(function.IsHidden && function.IsSubprogram);
        Assert.Equal(BtfLinkage.Global, Linkage(obj.Btf!, "store_answer"));

        var kernelBtf = Btf.Parse(BtfFixup.CreateKernelBtf(obj)!);

        Assert.Equal(BtfLinkage.Static, Linkage(kernelBtf, "store_answer"));
        Assert.Equal(BtfLinkage.Global, Linkage(kernelBtf, "hidden_caller"));
    }

    private static BtfLinkage Linkage(Btf btf, string function) => btf.GetType(btf.FindTypeId(function, BtfKind.Func)).Linkage;
}
