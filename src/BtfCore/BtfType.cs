using System.Buffers.Binary;
using RawBpf.Uapi;

namespace RawBpf.BtfCore;

/// <summary>
/// A view of one <c>struct btf_type</c> and the data that follows it, decoded from the BTF bytes on each access.
/// Id 0 is void: kind <see cref="BtfKind.Unknown"/>, no name, size 0.
/// </summary>
public readonly struct BtfType : IEquatable<BtfType>
{
    private readonly int _offset;

    internal BtfType(Btf btf, int id, int offset)
    {
        Btf = btf;
        Id = id;
        _offset = offset;
    }

    /// <summary>The BTF that holds this type (for a base type of split BTF, the base).</summary>
    public Btf Btf { get; }

    public int Id { get; }

    public bool IsVoid => _offset < 0;

    private ReadOnlySpan<byte> Header => IsVoid ? default : Btf.Span.Slice(_offset, Btf.TypeHeaderSize);

    /// <summary>The bytes after the 12-byte header (members, enumerators, params, ...).</summary>
    internal ReadOnlySpan<byte> Extra => IsVoid ? default : Btf.Span.Slice(_offset + Btf.TypeHeaderSize, ExtraLength(Kind, Vlen));

    /// <summary><c>btf_type.name_off</c>.</summary>
    public uint NameOffset => IsVoid ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(Header);

    /// <summary><c>btf_type.info</c>: vlen (bits 0-15), kind (24-28), kind_flag (31).</summary>
    public uint Info => IsVoid ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(Header[4..]);

    public BtfKind Kind => (BtfKind)((Info >> 24) & 0x1f);
    public int Vlen => (int)(Info & 0xffff);
    public bool KindFlag => (Info >> 31) != 0;

    /// <summary><c>btf_type.size</c> (INT, ENUM, ENUM64, STRUCT, UNION, DATASEC, FLOAT).</summary>
    public uint Size => IsVoid ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(Header[8..]);

    /// <summary><c>btf_type.type</c> (PTR, TYPEDEF, the modifiers, FUNC, VAR, DECL_TAG, TYPE_TAG; FUNC_PROTO's return type).</summary>
    public int TypeId => (int)Size;

    public ReadOnlySpan<byte> NameBytes => IsVoid ? default : Btf.GetStringBytes(NameOffset);

    /// <summary>The name, or "" for an anonymous type.</summary>
    public string Name => IsVoid ? "" : Btf.GetString(NameOffset);

    public bool IsComposite => Kind is BtfKind.Struct or BtfKind.Union;
    public bool IsEnum => Kind is BtfKind.Enum or BtfKind.Enum64;
    public bool IsModifier => Kind is BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag;

    // ---- INT: the u32 after the header (BTF_INT_ENCODING, BTF_INT_OFFSET, BTF_INT_BITS)
    private uint IntData => BinaryPrimitives.ReadUInt32LittleEndian(Extra);
    public BtfIntEncoding IntEncoding => (BtfIntEncoding)((IntData >> 24) & 0x0f);
    public int IntBitOffset => (int)((IntData >> 16) & 0xff);
    public int IntBits => (int)(IntData & 0xff);

    // ---- ARRAY: struct btf_array { type, index_type, nelems }
    public int ArrayElementTypeId => (int)BinaryPrimitives.ReadUInt32LittleEndian(Extra);
    public int ArrayIndexTypeId => (int)BinaryPrimitives.ReadUInt32LittleEndian(Extra[4..]);
    public uint ArrayLength => BinaryPrimitives.ReadUInt32LittleEndian(Extra[8..]);

    // ---- FUNC linkage is vlen; VAR linkage is struct btf_var { linkage }
    public BtfLinkage Linkage => Kind == BtfKind.Var ? (BtfLinkage)BinaryPrimitives.ReadUInt32LittleEndian(Extra) : (BtfLinkage)Vlen;

    // ---- DECL_TAG: struct btf_decl_tag { component_idx } (-1: the tag is on the type itself)
    public int DeclTagComponentIndex => BinaryPrimitives.ReadInt32LittleEndian(Extra);

    // ---- FWD: kind_flag 0 = struct, 1 = union
    public bool IsUnionForward => KindFlag;

    /// <summary>STRUCT/UNION members (<c>struct btf_member</c>).</summary>
    public BtfRecordList<BtfMember> Members => new(this, IsComposite ? Vlen : 0);

    /// <summary>ENUM/ENUM64 enumerators (<c>struct btf_enum</c>, <c>struct btf_enum64</c>).</summary>
    public BtfRecordList<BtfEnumValue> EnumValues => new(this, IsEnum ? Vlen : 0);

    /// <summary>FUNC_PROTO parameters (<c>struct btf_param</c>).</summary>
    public BtfRecordList<BtfParam> Params => new(this, Kind == BtfKind.FuncProto ? Vlen : 0);

    /// <summary>DATASEC variables (<c>struct btf_var_secinfo</c>).</summary>
    public BtfRecordList<BtfVarSecInfo> Variables => new(this, Kind == BtfKind.Datasec ? Vlen : 0);

    /// <summary>Bytes of kind-specific data after the header, or -1 for a kind btf.h does not define.</summary>
    /// <summary>
    /// Bytes after the header: a fixed part plus vlen records, by kind (uapi btf.h). Two table lookups instead of
    /// a switch: parsing walks every type of vmlinux (126k) through here. -1 for a kind btf.h does not define.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static int ExtraLength(BtfKind kind, int vlen) =>
        (uint)kind < (uint)FixedExtra.Length ? FixedExtra[(int)kind] + (PerVlenExtra[(int)kind] * vlen) : -1;

    // Indexed by kind: UNKN, INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC,
    // FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64. UNKN (0) is no kind a type may have.
    private static ReadOnlySpan<int> FixedExtra => [int.MinValue, 4, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 4, 0, 0];
    private static ReadOnlySpan<int> PerVlenExtra => [0, 0, 0, 0, 12, 12, 8, 0, 0, 0, 0, 0, 0, 8, 0, 12, 0, 0, 0, 12];

    public bool Equals(BtfType other) => ReferenceEquals(Btf, other.Btf) && Id == other.Id;
    public override bool Equals(object? obj) => obj is BtfType other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Btf, Id);
    public static bool operator ==(BtfType left, BtfType right) => left.Equals(right);
    public static bool operator !=(BtfType left, BtfType right) => !left.Equals(right);

    public override string ToString() => IsVoid ? "[0] void" : $"[{Id}] {Kind.ToUapiName()} '{Name}'";
}
