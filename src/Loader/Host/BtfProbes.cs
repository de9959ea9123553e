using RawBpf.BtfCore;
using RawBpf.Loader.Objects;
using RawBpf.Uapi;

namespace RawBpf.Loader.Host;

/// <summary>
/// Tiny BTF blobs, each using one kind or flavour, loaded to see whether the kernel knows it (the approach of
/// libbpf's feature probes), written with <see cref="BtfWriter"/>.
/// </summary>
internal static class BtfProbes
{
    public static BtfFeatures Run() =>
        Probe(BtfFeatures.Basic, BasicBlob()) |
        Probe(BtfFeatures.Func, FuncBlob(BtfLinkage.Static)) |
        Probe(BtfFeatures.GlobalFunc, FuncBlob(BtfLinkage.Global)) |
        Probe(BtfFeatures.DataSec, DataSecBlob()) |
        Probe(BtfFeatures.Float, FloatBlob()) |
        Probe(BtfFeatures.DeclTag, DeclTagBlob()) |
        Probe(BtfFeatures.TypeTag, TypeTagBlob()) |
        Probe(BtfFeatures.Enum64, Enum64Blob());

    private static BtfFeatures Probe(BtfFeatures feature, byte[] blob) =>
        BpfBtfObject.Probe(blob) ? feature : BtfFeatures.None;

    // [1] int: signed 32-bit
    internal static byte[] BasicBlob()
    {
        var btf = new BtfWriter();
        AddSignedInt(btf);
        return btf.ToArray();
    }

    // [1] int; [2] FUNC_PROTO int (int x); [3] FUNC a of [2] with the given linkage
    internal static byte[] FuncBlob(BtfLinkage linkage)
    {
        var btf = new BtfWriter();
        var int32 = AddSignedInt(btf);
        var proto = btf.AddFuncProto(int32, [("x", int32)]);
        btf.AddFunc("a", proto, linkage);
        return btf.ToArray();
    }

    // [1] int; [2] VAR x of [1], global allocated; [3] DATASEC .data { [2] at 0, 4 bytes }
    internal static byte[] DataSecBlob()
    {
        var btf = new BtfWriter();
        var x = btf.AddVar("x", AddSignedInt(btf), BtfLinkage.Global);
        btf.AddDatasec(".data", 4, [(x, 0, 4)]);
        return btf.ToArray();
    }

    // [1] float, 4 bytes
    internal static byte[] FloatBlob()
    {
        var btf = new BtfWriter();
        btf.AddFloat("float", 4);
        return btf.ToArray();
    }

    // [1] int; [2] VAR x of [1]; [3] DECL_TAG "tag" on [2], component_idx -1 (the whole var)
    internal static byte[] DeclTagBlob()
    {
        var btf = new BtfWriter();
        var x = btf.AddVar("x", AddSignedInt(btf), BtfLinkage.Global);
        btf.AddDeclTag("tag", x, -1);
        return btf.ToArray();
    }

    // [1] int; [2] TYPE_TAG "tag" of [1]; [3] PTR to [2]
    internal static byte[] TypeTagBlob()
    {
        var btf = new BtfWriter();
        btf.AddPtr(btf.AddTypeTag("tag", AddSignedInt(btf)));
        return btf.ToArray();
    }

    // [1] ENUM64 e, 8 bytes, one enumerator a = 1 << 32
    internal static byte[] Enum64Blob()
    {
        var btf = new BtfWriter();
        btf.AddEnum64("e", 8, isSigned: false, [("a", 1UL << 32)]);
        return btf.ToArray();
    }

    private static int AddSignedInt(BtfWriter btf) => btf.AddInt("int", 4, 32, BtfIntEncoding.Signed);
}
