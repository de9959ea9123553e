using System.Buffers.Binary;

namespace RawBpf.Loader;

/// <summary>
/// Tiny BTF blobs, each using one kind or flavour, loaded to see whether the kernel knows it (the approach of
/// libbpf's feature probes). Layout per include/uapi/linux/btf.h: struct btf_header (24 bytes), then the type
/// section (struct btf_type: name_off, info = vlen | kind &lt;&lt; 24 | kind_flag &lt;&lt; 31, size/type, then
/// kind-specific data), then the string section.
/// </summary>
internal static class BtfProbes
{
    private const int KindInt = 1;
    private const int KindPtr = 2;
    private const int KindFunc = 12;
    private const int KindFuncProto = 13;
    private const int KindVar = 14;
    private const int KindDataSec = 15;
    private const int KindFloat = 16;
    private const int KindDeclTag = 17;
    private const int KindTypeTag = 18;
    private const int KindEnum64 = 19;

    // BTF_INT_SIGNED in the encoding byte of an INT's extra word.
    private const uint IntSigned = 1u << 24;

    public static BtfFeatures Run() => new(
        Basic: BpfBtfObject.Probe(BasicBlob()),
        Func: BpfBtfObject.Probe(FuncBlob(linkage: 0)),
        GlobalFunc: BpfBtfObject.Probe(FuncBlob(linkage: 1)),
        DataSec: BpfBtfObject.Probe(DataSecBlob()),
        Float: BpfBtfObject.Probe(FloatBlob()),
        DeclTag: BpfBtfObject.Probe(DeclTagBlob()),
        TypeTag: BpfBtfObject.Probe(TypeTagBlob()),
        Enum64: BpfBtfObject.Probe(Enum64Blob()));

    // [1] int: signed 32-bit
    internal static byte[] BasicBlob() =>
        Blob([Type(1, KindInt, 0, 4), IntSigned | 32], "\0int\0");

    // [1] int; [2] FUNC_PROTO int (int x); [3] FUNC a of [2], vlen = linkage (0 static, 1 global)
    internal static byte[] FuncBlob(int linkage) =>
        Blob(
            [Type(1, KindInt, 0, 4), IntSigned | 32,
             Type(0, KindFuncProto, 1, 1), 5, 1,
             Type(7, KindFunc, linkage, 2)],
            "\0int\0x\0a\0");

    // [1] int; [2] VAR x of [1], global allocated; [3] DATASEC .data { [2] at 0, 4 bytes }
    internal static byte[] DataSecBlob() =>
        Blob(
            [Type(1, KindInt, 0, 4), IntSigned | 32,
             Type(5, KindVar, 0, 1), 1,
             Type(7, KindDataSec, 1, 4), 2, 0, 4],
            "\0int\0x\0.data\0");

    // [1] float, 4 bytes
    internal static byte[] FloatBlob() =>
        Blob([Type(1, KindFloat, 0, 4)], "\0float\0");

    // [1] int; [2] VAR x of [1]; [3] DECL_TAG "tag" on [2], component_idx -1 (the whole var)
    internal static byte[] DeclTagBlob() =>
        Blob(
            [Type(1, KindInt, 0, 4), IntSigned | 32,
             Type(5, KindVar, 0, 1), 1,
             Type(7, KindDeclTag, 0, 2), uint.MaxValue],
            "\0int\0x\0tag\0");

    // [1] int; [2] TYPE_TAG "tag" of [1]; [3] PTR to [2]
    internal static byte[] TypeTagBlob() =>
        Blob(
            [Type(1, KindInt, 0, 4), IntSigned | 32,
             Type(5, KindTypeTag, 0, 1),
             Type(0, KindPtr, 0, 2)],
            "\0int\0tag\0");

    // [1] ENUM64 e, 8 bytes, one enumerator a = 1 << 32 (struct btf_enum64: name_off, val_lo32, val_hi32)
    internal static byte[] Enum64Blob() =>
        Blob([Type(1, KindEnum64, 1, 8), 3, 0, 1], "\0e\0a\0");

    /// <summary>name_off, info, size-or-type: the three words every struct btf_type starts with.</summary>
    private static (uint NameOffset, uint Info, uint SizeOrType) Type(uint nameOffset, int kind, int vlen, uint sizeOrType) =>
        (nameOffset, (uint)vlen | ((uint)kind << 24), sizeOrType);

    private static byte[] Blob(ReadOnlySpan<Word> words, string strings)
    {
        var typeLength = 0;
        foreach (var word in words)
        {
            typeLength += word.Count * 4;
        }

        var stringBytes = System.Text.Encoding.ASCII.GetBytes(strings);
        const int HeaderLength = 24;
        var blob = new byte[HeaderLength + typeLength + stringBytes.Length];
        var span = blob.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, 0xeB9F);        // magic
        span[2] = 1;                                                   // version
        span[3] = 0;                                                   // flags
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], HeaderLength); // hdr_len
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 0);        // type_off (from the end of the header)
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)typeLength); // type_len
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)typeLength); // str_off
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)stringBytes.Length); // str_len
        var offset = HeaderLength;
        foreach (var word in words)
        {
            offset = word.WriteTo(span, offset);
        }

        stringBytes.CopyTo(span[offset..]);
        return blob;
    }

    /// <summary>Either a btf_type head (three words) or one extra word.</summary>
    private readonly struct Word
    {
        private readonly (uint, uint, uint)? _head;
        private readonly uint _value;

        private Word((uint, uint, uint)? head, uint value)
        {
            _head = head;
            _value = value;
        }

        public int Count => _head is null ? 1 : 3;

        public static implicit operator Word((uint NameOffset, uint Info, uint SizeOrType) head) => new(head, 0);

        public static implicit operator Word(uint value) => new(null, value);

        public static implicit operator Word(int value) => new(null, (uint)value);

        public int WriteTo(Span<byte> span, int offset)
        {
            if (_head is { } head)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], head.Item1);
                BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 4)..], head.Item2);
                BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 8)..], head.Item3);
                return offset + 12;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], _value);
            return offset + 4;
        }
    }
}
