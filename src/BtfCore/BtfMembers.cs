using System.Buffers.Binary;
using RawBpf.Uapi;

namespace RawBpf.BtfCore;

/// <summary>One <c>struct btf_member</c> { name_off, type, offset } of a STRUCT or UNION.</summary>
public readonly struct BtfMember : IBtfRecord<BtfMember>
{
    private readonly Btf _btf;
    private readonly bool _kindFlag;

    internal BtfMember(Btf btf, ReadOnlySpan<byte> record, bool kindFlag)
    {
        _btf = btf;
        _kindFlag = kindFlag;
        NameOffset = BinaryPrimitives.ReadUInt32LittleEndian(record);
        TypeId = (int)BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
        RawOffset = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
    }

    public uint NameOffset { get; }
    public int TypeId { get; }

    /// <summary><c>btf_member.offset</c> as stored: with kind_flag, bitfield size in bits 24-31 and bit offset in 0-23.</summary>
    public uint RawOffset { get; }

    /// <summary>Offset in bits from the start of the struct (<c>BTF_MEMBER_BIT_OFFSET</c> with kind_flag).</summary>
    public uint BitOffset => _kindFlag ? RawOffset & 0xffffff : RawOffset;

    /// <summary>Bitfield width (<c>BTF_MEMBER_BITFIELD_SIZE</c>), 0 for a member that is no bitfield or without kind_flag.</summary>
    public uint BitfieldSize => _kindFlag ? RawOffset >> 24 : 0;

    public ReadOnlySpan<byte> NameBytes => _btf.GetStringBytes(NameOffset);
    public string Name => _btf.GetString(NameOffset);

    static int IBtfRecord<BtfMember>.Size(BtfType owner) => 12;
    static BtfMember IBtfRecord<BtfMember>.Read(BtfType owner, ReadOnlySpan<byte> record) => new(owner.Btf, record, owner.KindFlag);
}

/// <summary>One enumerator of an ENUM (<c>struct btf_enum</c>) or ENUM64 (<c>struct btf_enum64</c>).</summary>
public readonly struct BtfEnumValue : IBtfRecord<BtfEnumValue>
{
    private readonly Btf _btf;

    internal BtfEnumValue(Btf btf, uint nameOffset, ulong rawValue, bool isSigned)
    {
        _btf = btf;
        NameOffset = nameOffset;
        UnsignedValue = rawValue;
        IsSigned = isSigned;
    }

    public uint NameOffset { get; }

    /// <summary>The value's bits; for a 32-bit ENUM, sign- or zero-extended by the enum's signedness.</summary>
    public ulong UnsignedValue { get; }

    public long SignedValue => (long)UnsignedValue;

    /// <summary>The enum's kind_flag: its values are signed.</summary>
    public bool IsSigned { get; }

    public ReadOnlySpan<byte> NameBytes => _btf.GetStringBytes(NameOffset);
    public string Name => _btf.GetString(NameOffset);

    static int IBtfRecord<BtfEnumValue>.Size(BtfType owner) => owner.Kind == BtfKind.Enum64 ? 12 : 8;

    static BtfEnumValue IBtfRecord<BtfEnumValue>.Read(BtfType owner, ReadOnlySpan<byte> record)
    {
        var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(record);
        if (owner.Kind == BtfKind.Enum64)
        {
            var lo = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
            var hi = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
            return new BtfEnumValue(owner.Btf, nameOffset, ((ulong)hi << 32) | lo, owner.KindFlag);
        }
        // A 32-bit value is widened by the enum's signedness (kind_flag), as bpftool prints it.
        var value = BinaryPrimitives.ReadInt32LittleEndian(record[4..]);
        return new BtfEnumValue(owner.Btf, nameOffset, owner.KindFlag ? (ulong)(long)value : (uint)value, owner.KindFlag);
    }
}

/// <summary>One <c>struct btf_param</c> { name_off, type } of a FUNC_PROTO; type 0 with no name marks varargs.</summary>
public readonly struct BtfParam : IBtfRecord<BtfParam>
{
    private readonly Btf _btf;

    internal BtfParam(Btf btf, ReadOnlySpan<byte> record)
    {
        _btf = btf;
        NameOffset = BinaryPrimitives.ReadUInt32LittleEndian(record);
        TypeId = (int)BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
    }

    public uint NameOffset { get; }
    public int TypeId { get; }
    public ReadOnlySpan<byte> NameBytes => _btf.GetStringBytes(NameOffset);
    public string Name => _btf.GetString(NameOffset);

    static int IBtfRecord<BtfParam>.Size(BtfType owner) => 8;
    static BtfParam IBtfRecord<BtfParam>.Read(BtfType owner, ReadOnlySpan<byte> record) => new(owner.Btf, record);
}

/// <summary>One <c>struct btf_var_secinfo</c> { type, offset, size } of a DATASEC.</summary>
public readonly struct BtfVarSecInfo : IBtfRecord<BtfVarSecInfo>
{
    internal BtfVarSecInfo(ReadOnlySpan<byte> record)
    {
        TypeId = (int)BinaryPrimitives.ReadUInt32LittleEndian(record);
        Offset = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
        Size = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
    }

    public int TypeId { get; }
    public uint Offset { get; }
    public uint Size { get; }

    static int IBtfRecord<BtfVarSecInfo>.Size(BtfType owner) => 12;
    static BtfVarSecInfo IBtfRecord<BtfVarSecInfo>.Read(BtfType owner, ReadOnlySpan<byte> record) => new(record);
}

/// <summary>A record that follows a <c>btf_type</c> vlen times: a member, an enumerator, a parameter, a variable.</summary>
public interface IBtfRecord<TSelf> where TSelf : IBtfRecord<TSelf>
{
    /// <summary>Bytes per record for <paramref name="owner"/>'s kind.</summary>
    static abstract int Size(BtfType owner);

    static abstract TSelf Read(BtfType owner, ReadOnlySpan<byte> record);
}

/// <summary>The vlen records after one type (members, enumerators, parameters, variables), read in place.</summary>
public readonly struct BtfRecordList<T> where T : IBtfRecord<T>
{
    private readonly BtfType _owner;

    internal BtfRecordList(BtfType owner, int count)
    {
        _owner = owner;
        Count = count;
    }

    public int Count { get; }

    public T this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            var size = T.Size(_owner);
            return T.Read(_owner, _owner.Extra.Slice(index * size, size));
        }
    }

    public Enumerator GetEnumerator() => new(this);

    public struct Enumerator(BtfRecordList<T> list)
    {
        private int _index = -1;
        public readonly T Current => list[_index];
        public bool MoveNext() => ++_index < list.Count;
    }
}
