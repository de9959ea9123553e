using System.Buffers.Binary;

namespace RawBpf.BtfCore.Tests;

/// <summary>The synthetic BTF of every kind, edited field by field, for bad-input tests here and bpftool's in Loader.Tests.</summary>
internal static class BtfBlobEdits
{
    public static readonly byte[] EveryKind = SyntheticBtf.EveryKind().ToArray();

    public static BtfFormatException Rejects(byte[] blob)
    {
        var e = Assert.Throws<BtfFormatException>(() => BtfWalker.Walk(Btf.Parse(blob)));
        Assert.StartsWith(".BTF: ", e.Message);
        return e;
    }

    public static byte[] With(byte[] blob, int offset, uint value)
    {
        var copy = blob.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    /// <summary>Byte offset of type <paramref name="id"/>'s header within the synthetic blob.</summary>
    public static int TypeOffset(int id) => Btf.Parse(EveryKind).GetType(id) is var t ? OffsetOf(t) : -1;

    public static int OffsetOf(BtfType type)
    {
        // The header starts where the type's name_off/info/size triple sits: find it by scanning (test-only).
        var btf = type.Btf;
        var span = btf.RawData.Span;
        for (var at = btf.HeaderLength; at + 12 <= span.Length; at += 4)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(span[at..]) == type.NameOffset
                && BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 4)..]) == type.Info
                && BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 8)..]) == type.Size)
                return at;
        }
        throw new InvalidOperationException("type not found");
    }

    public static string TempFile(string name, byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"rawbpf-input-{Environment.ProcessId}-{name}");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
