using System.Buffers.Binary;

namespace RawBpf.BtfCore;

/// <summary>One <c>struct btf_member</c> { name_off, type, offset } of a STRUCT or UNION.</summary>
public readonly struct BtfMember
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
}

/// <summary>The members of a STRUCT or UNION, read in place.</summary>
public readonly struct BtfMemberList
{
    private readonly BtfType _type;

    internal BtfMemberList(BtfType type, int count)
    {
        _type = type;
        Count = count;
    }

    public int Count { get; }

    public BtfMember this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return new BtfMember(_type.Btf, _type.Extra.Slice(index * 12, 12), _type.KindFlag);
        }
    }

    public Enumerator GetEnumerator() => new(this);

    public struct Enumerator(BtfMemberList list)
    {
        private int _index = -1;
        public readonly BtfMember Current => list[_index];
        public bool MoveNext() => ++_index < list.Count;
    }
}

/// <summary>One enumerator of an ENUM (<c>struct btf_enum</c>) or ENUM64 (<c>struct btf_enum64</c>).</summary>
public readonly struct BtfEnumValue
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
}

public readonly struct BtfEnumValueList
{
    private readonly BtfType _type;

    internal BtfEnumValueList(BtfType type, int count)
    {
        _type = type;
        Count = count;
    }

    public int Count { get; }

    public BtfEnumValue this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            var signed = _type.KindFlag;
            if (_type.Kind == BtfKind.Enum64)
            {
                var record = _type.Extra.Slice(index * 12, 12);
                var lo = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
                var hi = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
                return new BtfEnumValue(_type.Btf, BinaryPrimitives.ReadUInt32LittleEndian(record), ((ulong)hi << 32) | lo, signed);
            }
            var entry = _type.Extra.Slice(index * 8, 8);
            var value = BinaryPrimitives.ReadInt32LittleEndian(entry[4..]);
            return new BtfEnumValue(_type.Btf, BinaryPrimitives.ReadUInt32LittleEndian(entry), signed ? (ulong)(long)value : (uint)value, signed);
        }
    }

    public Enumerator GetEnumerator() => new(this);

    public struct Enumerator(BtfEnumValueList list)
    {
        private int _index = -1;
        public readonly BtfEnumValue Current => list[_index];
        public bool MoveNext() => ++_index < list.Count;
    }
}

/// <summary>One <c>struct btf_param</c> { name_off, type } of a FUNC_PROTO; type 0 with no name marks varargs.</summary>
public readonly struct BtfParam
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
}

public readonly struct BtfParamList
{
    private readonly BtfType _type;

    internal BtfParamList(BtfType type, int count)
    {
        _type = type;
        Count = count;
    }

    public int Count { get; }

    public BtfParam this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return new BtfParam(_type.Btf, _type.Extra.Slice(index * 8, 8));
        }
    }

    public Enumerator GetEnumerator() => new(this);

    public struct Enumerator(BtfParamList list)
    {
        private int _index = -1;
        public readonly BtfParam Current => list[_index];
        public bool MoveNext() => ++_index < list.Count;
    }
}

/// <summary>One <c>struct btf_var_secinfo</c> { type, offset, size } of a DATASEC.</summary>
public readonly struct BtfVarSecInfo
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
}

public readonly struct BtfVarSecInfoList
{
    private readonly BtfType _type;

    internal BtfVarSecInfoList(BtfType type, int count)
    {
        _type = type;
        Count = count;
    }

    public int Count { get; }

    public BtfVarSecInfo this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return new BtfVarSecInfo(_type.Extra.Slice(index * 12, 12));
        }
    }

    public Enumerator GetEnumerator() => new(this);

    public struct Enumerator(BtfVarSecInfoList list)
    {
        private int _index = -1;
        public readonly BtfVarSecInfo Current => list[_index];
        public bool MoveNext() => ++_index < list.Count;
    }
}
