using System.Buffers.Binary;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.BtfCore;

/// <summary>
/// Writes raw BTF (uapi <c>btf.h</c>): the one place that encodes <c>struct btf_header</c>, <c>struct btf_type</c>
/// and the kind-specific records. Start empty to build types (the loader's feature probes, tests) or from a
/// parsed <see cref="Btf"/> to rewrite its types in place (the object fix-up, the sanitizer), then append and
/// rewrite by id. Strings are deduplicated as libbpf's <c>btf__add_str</c> does; the output is a 24-byte header,
/// the types, then the strings, the layout clang and libbpf write. Type references are not checked: bad-input
/// tests write dangling ones on purpose.
/// </summary>
public sealed class BtfWriter
{
    private const int HeaderSize = 24;
    private const int TypeHeaderSize = Btf.TypeHeaderSize;

    private byte[] _types;
    private int _typesLength;
    private readonly List<int> _typeStarts;
    private byte[] _strings;
    private int _stringsLength;
    private readonly byte _flags;
    // Offsets of the strings already written, by their bytes (as Latin-1, one char per byte); built on the first
    // AddString, so a rewrite that adds no string never indexes the copied string section.
    private Dictionary<string, uint>? _stringOffsets;

    /// <summary>An empty BTF: no types, the string section holding only the empty string.</summary>
    public BtfWriter()
    {
        _types = new byte[256];
        _typeStarts = [];
        _strings = new byte[64];
        _stringsLength = 1;
    }

    private BtfWriter(ReadOnlySpan<byte> types, ReadOnlySpan<byte> strings, List<int> typeStarts, byte flags)
    {
        _types = types.ToArray();
        _typesLength = types.Length;
        _strings = strings.ToArray();
        _stringsLength = strings.Length;
        _typeStarts = typeStarts;
        _flags = flags;
    }

    /// <summary>A writer holding a copy of <paramref name="btf"/>'s types and strings, ids and string offsets unchanged.</summary>
    /// <exception cref="ArgumentException"><paramref name="btf"/> is split BTF, whose ids continue a base's.</exception>
    public static BtfWriter From(Btf btf)
    {
        if (btf.Base is not null)
            throw new ArgumentException($"{btf.SectionName}: split BTF cannot be rewritten on its own (its ids continue its base's)", nameof(btf));
        var data = btf.Span;
        var typesStart = btf.TypesLength == 0 ? 0 : btf.OwnTypeOffset(0);
        var typeStarts = new List<int>(btf.OwnTypeCount);
        for (var index = 0; index < btf.OwnTypeCount; index++)
            typeStarts.Add(btf.OwnTypeOffset(index) - typesStart);
        var types = btf.TypesLength == 0 ? default : data.Slice(typesStart, btf.TypesLength);
        return new BtfWriter(types, btf.OwnStrings(data), typeStarts, data[3]);
    }

    /// <summary>The id of the last type written (0 when there is none).</summary>
    public int LastTypeId => _typeStarts.Count;

    /// <summary>Bytes in the type section so far.</summary>
    public int TypesLength => _typesLength;

    /// <summary>Bytes in the string section so far.</summary>
    public int StringsLength => _stringsLength;

    /// <summary>The whole blob: header, types, strings.</summary>
    public byte[] ToArray()
    {
        var result = new byte[HeaderSize + _typesLength + _stringsLength];
        var span = result.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, Btf.Magic);
        span[2] = 1;                                                                  // version
        span[3] = _flags;
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], HeaderSize);             // hdr_len
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 0);                      // type_off, from the header's end
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)_typesLength);    // type_len
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)_typesLength);    // str_off
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)_stringsLength);  // str_len
        _types.AsSpan(0, _typesLength).CopyTo(span[HeaderSize..]);
        _strings.AsSpan(0, _stringsLength).CopyTo(span[(HeaderSize + _typesLength)..]);
        return result;
    }

    // ---- strings -------------------------------------------------------------------------------------------

    /// <summary>The offset of <paramref name="value"/> in the string section, added unless already there ("" is 0).</summary>
    public uint AddString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return AddString(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>The offset of the UTF-8 <paramref name="value"/>, added unless already there.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> contains a NUL byte.</exception>
    public uint AddString(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
            return 0;
        CheckString(value);
        var offsets = _stringOffsets ??= IndexStrings();
        var key = Encoding.Latin1.GetString(value);
        if (offsets.TryGetValue(key, out var existing))
            return existing;
        var offset = (uint)_stringsLength;
        EnsureCapacity(ref _strings, _stringsLength + value.Length + 1);
        value.CopyTo(_strings.AsSpan(_stringsLength));
        _strings[_stringsLength + value.Length] = 0;
        _stringsLength += value.Length + 1;
        offsets.Add(key, offset);
        return offset;
    }

    /// <summary>
    /// Replaces each <paramref name="from"/> by <paramref name="to"/> in the string at <paramref name="offset"/>,
    /// in place: every type naming that string sees the change, as with libbpf's in-place renames.
    /// </summary>
    public void ReplaceInString(uint offset, byte from, byte to)
    {
        if (offset >= (uint)_stringsLength)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"string offset {offset} is past the string section ({_stringsLength} bytes)");
        if (to == 0)
            throw new ArgumentException("a BTF string cannot contain NUL", nameof(to));
        var text = _strings.AsSpan((int)offset, _stringsLength - (int)offset);
        if (text.IndexOf((byte)0) is var end and >= 0)
            text = text[..end];
        if (text.IndexOf(from) < 0)
            return;
        text.Replace(from, to);
        _stringOffsets = null;   // a key changed: index again on the next AddString
    }

    private static void CheckString(string value) => CheckString(Encoding.UTF8.GetBytes(value));

    private static void CheckString(ReadOnlySpan<byte> value)
    {
        if (value.IndexOf((byte)0) is var nul and >= 0)
            throw new ArgumentException($"a BTF string cannot contain NUL (byte {nul} of \"{Encoding.UTF8.GetString(value)}\")", nameof(value));
    }

    private Dictionary<string, uint> IndexStrings()
    {
        // The first of equal strings wins, as in libbpf's strset.
        var offsets = new Dictionary<string, uint>(StringComparer.Ordinal) { [""] = 0 };
        var strings = _strings.AsSpan(0, _stringsLength);
        var position = 0;
        while (position < strings.Length)
        {
            var length = strings[position..].IndexOf((byte)0);
            if (length < 0)
                break;
            offsets.TryAdd(Encoding.Latin1.GetString(strings.Slice(position, length)), (uint)position);
            position += length + 1;
        }
        return offsets;
    }

    // ---- types: appending, one method per kind ---------------------------------------------------------------

    /// <summary>INT: <paramref name="bits"/> wide in <paramref name="size"/> bytes (<c>BTF_INT_ENC</c>).</summary>
    public int AddInt(string name, uint size, int bits, BtfIntEncoding encoding = BtfIntEncoding.None, int bitOffset = 0)
    {
        if ((uint)bits > 128 || bits > size * 8)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"INT '{name}': {bits} bits do not fit {size} bytes (at most 128)");
        if ((uint)bitOffset > 0xff)
            throw new ArgumentOutOfRangeException(nameof(bitOffset), bitOffset, $"INT '{name}': bit offset {bitOffset} does not fit its 8 bits");
        var id = AddHeader(name, BtfKind.Int, 0, false, size);
        AddWord(((uint)encoding << 24) | ((uint)bitOffset << 16) | (uint)bits);
        return id;
    }

    public int AddPtr(int targetId) => AddHeader("", BtfKind.Ptr, 0, false, TypeIdValue(targetId));

    public int AddTypedef(string name, int targetId) => AddHeader(name, BtfKind.Typedef, 0, false, TypeIdValue(targetId));

    public int AddVolatile(int targetId) => AddHeader("", BtfKind.Volatile, 0, false, TypeIdValue(targetId));

    public int AddConst(int targetId) => AddHeader("", BtfKind.Const, 0, false, TypeIdValue(targetId));

    public int AddRestrict(int targetId) => AddHeader("", BtfKind.Restrict, 0, false, TypeIdValue(targetId));

    public int AddTypeTag(string name, int targetId) => AddHeader(name, BtfKind.TypeTag, 0, false, TypeIdValue(targetId));

    /// <summary>FWD: a forward declaration of a struct, or a union when <paramref name="isUnion"/> (kind_flag).</summary>
    public int AddFwd(string name, bool isUnion) => AddHeader(name, BtfKind.Fwd, 0, isUnion, 0);

    public int AddFloat(string name, uint size) => AddHeader(name, BtfKind.Float, 0, false, size);

    /// <summary>ARRAY: <c>struct btf_array</c> { type, index_type, nelems }.</summary>
    public int AddArray(int elementTypeId, int indexTypeId, uint length)
    {
        var element = TypeIdValue(elementTypeId);
        var index = TypeIdValue(indexTypeId);
        var id = AddHeader("", BtfKind.Array, 0, false, 0);
        AddWord(element);
        AddWord(index);
        AddWord(length);
        return id;
    }

    /// <summary>STRUCT; kind_flag is set when a member is a bitfield, so offsets carry the bitfield size.</summary>
    public int AddStruct(string name, uint size, ReadOnlySpan<BtfWriterMember> members) => AddComposite(BtfKind.Struct, name, size, members);

    /// <summary>UNION; kind_flag as for <see cref="AddStruct"/>.</summary>
    public int AddUnion(string name, uint size, ReadOnlySpan<BtfWriterMember> members) => AddComposite(BtfKind.Union, name, size, members);

    /// <summary>ENUM (<c>struct btf_enum</c>): values are 32 bits; kind_flag marks them signed.</summary>
    public int AddEnum(string name, uint size, bool isSigned, ReadOnlySpan<(string Name, int Value)> values)
    {
        var widened = new (string Name, ulong Value)[values.Length];
        for (var i = 0; i < values.Length; i++)
            widened[i] = (values[i].Name, (uint)values[i].Value);
        return AddEnumeration(BtfKind.Enum, name, size, isSigned, widened);
    }

    /// <summary>ENUM64 (<c>struct btf_enum64</c> { name_off, val_lo32, val_hi32 }); kind_flag marks the values signed.</summary>
    public int AddEnum64(string name, uint size, bool isSigned, ReadOnlySpan<(string Name, ulong Value)> values) =>
        AddEnumeration(BtfKind.Enum64, name, size, isSigned, values);

    private int AddEnumeration(BtfKind kind, string name, uint size, bool isSigned, ReadOnlySpan<(string Name, ulong Value)> values)
    {
        foreach (var value in values)
            CheckString(value.Name);   // before the header: a bad name leaves nothing half-written
        var id = AddHeader(name, kind, Vlen(values.Length, name), isSigned, size);
        foreach (var (valueName, value) in values)
        {
            AddWord(AddString(valueName));
            AddWord((uint)value);
            if (kind == BtfKind.Enum64)
                AddWord((uint)(value >> 32));
        }
        return id;
    }

    /// <summary>FUNC_PROTO: a return type and <c>struct btf_param</c>s; a nameless param of type 0 is <c>...</c>.</summary>
    public int AddFuncProto(int returnTypeId, ReadOnlySpan<(string Name, int TypeId)> parameters)
    {
        var mark = Mark();
        var id = AddHeader("", BtfKind.FuncProto, Vlen(parameters.Length, "FUNC_PROTO"), false, TypeIdValue(returnTypeId));
        try
        {
            foreach (var (parameterName, typeId) in parameters)
            {
                AddWord(AddString(parameterName));
                AddWord(TypeIdValue(typeId));
            }
        }
        catch
        {
            Rollback(mark);
            throw;
        }
        return id;
    }

    /// <summary>FUNC of a FUNC_PROTO; the linkage is kept in vlen.</summary>
    public int AddFunc(string name, int protoId, BtfLinkage linkage) =>
        AddHeader(name, BtfKind.Func, (int)linkage, false, TypeIdValue(protoId));

    /// <summary>VAR (<c>struct btf_var</c> { linkage }).</summary>
    public int AddVar(string name, int typeId, BtfLinkage linkage)
    {
        var id = AddHeader(name, BtfKind.Var, 0, false, TypeIdValue(typeId));
        AddWord((uint)linkage);
        return id;
    }

    /// <summary>DATASEC (<c>struct btf_var_secinfo</c> { type, offset, size } per variable).</summary>
    public int AddDatasec(string name, uint size, ReadOnlySpan<(int VarId, uint Offset, uint Size)> variables)
    {
        var mark = Mark();
        var id = AddHeader(name, BtfKind.Datasec, Vlen(variables.Length, name), false, size);
        try
        {
            foreach (var (varId, offset, varSize) in variables)
            {
                AddWord(TypeIdValue(varId));
                AddWord(offset);
                AddWord(varSize);
            }
        }
        catch
        {
            Rollback(mark);
            throw;
        }
        return id;
    }

    /// <summary>DECL_TAG on a type, or on its member/parameter <paramref name="componentIndex"/> (-1: the type itself).</summary>
    public int AddDeclTag(string name, int targetId, int componentIndex)
    {
        if (componentIndex < -1)
            throw new ArgumentOutOfRangeException(nameof(componentIndex), componentIndex, $"DECL_TAG '{name}': component index {componentIndex} is below -1");
        var id = AddHeader(name, BtfKind.DeclTag, 0, false, TypeIdValue(targetId));
        AddWord((uint)componentIndex);
        return id;
    }

    private int AddComposite(BtfKind kind, string name, uint size, ReadOnlySpan<BtfWriterMember> members)
    {
        var hasBitfield = false;
        foreach (var member in members)
        {
            if (member.BitfieldSize > 0xff)
                throw new ArgumentOutOfRangeException(nameof(members), member.BitfieldSize, $"{kind.ToUapiName()} '{name}' member '{member.Name}': bitfield size {member.BitfieldSize} does not fit 8 bits");
            hasBitfield |= member.BitfieldSize != 0;
        }
        var mark = Mark();
        var id = AddHeader(name, kind, Vlen(members.Length, name), hasBitfield, size);
        try
        {
            foreach (var member in members)
            {
                if (hasBitfield && member.BitOffset > 0xffffff)
                    throw new ArgumentOutOfRangeException(nameof(members), member.BitOffset, $"{kind.ToUapiName()} '{name}' member '{member.Name}': bit offset {member.BitOffset} does not fit 24 bits beside bitfields");
                AddWord(AddString(member.Name));
                AddWord(TypeIdValue(member.TypeId));
                AddWord(hasBitfield ? (member.BitfieldSize << 24) | member.BitOffset : member.BitOffset);
            }
        }
        catch
        {
            Rollback(mark);
            throw;
        }
        return id;
    }

    private (int TypesLength, int TypeCount, int StringsLength) Mark() => (_typesLength, _typeStarts.Count, _stringsLength);

    /// <summary>Undoes a half-written type (a bad record found after its header), strings added for it included.</summary>
    private void Rollback((int TypesLength, int TypeCount, int StringsLength) mark)
    {
        _typesLength = mark.TypesLength;
        _typeStarts.RemoveRange(mark.TypeCount, _typeStarts.Count - mark.TypeCount);
        if (_stringsLength != mark.StringsLength)
        {
            _stringsLength = mark.StringsLength;
            _stringOffsets = null;
        }
    }

    /// <summary>Appends a <c>struct btf_type</c> header; the kind's trailing words follow through <see cref="AddWord"/>.</summary>
    private int AddHeader(string name, BtfKind kind, int vlen, bool kindFlag, uint sizeOrType)
    {
        if (LastTypeId >= Btf.MaxTypeId)
            throw new InvalidOperationException($"BTF holds at most {Btf.MaxTypeId} types (BTF_MAX_TYPE)");
        var info = Info(kind, vlen, kindFlag);
        var nameOffset = AddString(name);
        _typeStarts.Add(_typesLength);
        AddWord(nameOffset);
        AddWord(info);
        AddWord(sizeOrType);
        return LastTypeId;
    }

    private void AddWord(uint value)
    {
        EnsureCapacity(ref _types, _typesLength + 4);
        BinaryPrimitives.WriteUInt32LittleEndian(_types.AsSpan(_typesLength), value);
        _typesLength += 4;
    }

    // ---- types: rewriting in place, keeping every type's length so ids and offsets stay valid ------------------

    /// <summary>
    /// Gives type <paramref name="id"/> a new header (<c>BTF_INFO_ENC(kind, kind_flag, vlen)</c>, name and
    /// size/type) whose kind-specific data is as long as the old one's; that data is left for the caller to set.
    /// </summary>
    /// <exception cref="ArgumentException">The new kind and vlen need a different amount of trailing data.</exception>
    public void RewriteHeader(int id, BtfKind kind, int vlen, uint sizeOrType, bool kindFlag = false, uint? nameOffset = null)
    {
        var header = HeaderAt(id);
        var oldInfo = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        var oldKind = (BtfKind)((oldInfo >> 24) & 0x1f);
        var oldLength = BtfType.ExtraLength(oldKind, (int)(oldInfo & 0xffff));
        if ((uint)vlen > 0xffff || BtfType.ExtraLength(kind, vlen) != oldLength)
            throw new ArgumentException($"type [{id}] {oldKind.ToUapiName()} has {oldLength} bytes after its header; {kind.ToUapiName()} with vlen {vlen} needs {BtfType.ExtraLength(kind, vlen)}", nameof(kind));
        if (nameOffset is { } name)
            BinaryPrimitives.WriteUInt32LittleEndian(header, CheckedStringOffset(name));
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Info(kind, vlen, kindFlag));
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sizeOrType);
    }

    /// <summary><c>btf_type.size</c> or <c>.type</c> of type <paramref name="id"/>.</summary>
    public void SetSizeOrType(int id, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(HeaderAt(id)[8..], value);

    /// <summary>An INT's encoding word (<c>BTF_INT_ENC(encoding, offset, bits)</c>).</summary>
    public void SetIntEncoding(int id, int bits, BtfIntEncoding encoding = BtfIntEncoding.None, int bitOffset = 0)
    {
        if ((uint)bits > 128 || (uint)bitOffset > 0xff)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"type [{id}]: INT of {bits} bits at bit offset {bitOffset} cannot be encoded");
        Record(id, BtfKind.Int, 0, 4).Write(0, ((uint)encoding << 24) | ((uint)bitOffset << 16) | (uint)bits);
    }

    /// <summary>A FUNC's linkage, kept in its vlen (kind and kind_flag unchanged).</summary>
    public void SetFuncLinkage(int id, BtfLinkage linkage)
    {
        var header = HeaderAt(id);
        var info = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if ((BtfKind)((info >> 24) & 0x1f) != BtfKind.Func)
            throw KindMismatch(id, BtfKind.Func, info);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (info & ~0xffffu) | (uint)linkage);
    }

    /// <summary>A VAR's linkage (<c>struct btf_var.linkage</c>).</summary>
    public void SetVarLinkage(int id, BtfLinkage linkage) => Record(id, BtfKind.Var, 0, 4).Write(0, (uint)linkage);

    /// <summary>Member <paramref name="index"/> of a STRUCT or UNION (<c>struct btf_member</c>, offset as stored).</summary>
    public void SetMember(int id, int index, uint nameOffset, int typeId, uint rawOffset)
    {
        var record = Record(id, BtfKind.Struct, index, 12, alsoKind: BtfKind.Union);
        record.Write(0, CheckedStringOffset(nameOffset));
        record.Write(4, TypeIdValue(typeId));
        record.Write(8, rawOffset);
    }

    /// <summary>The name of parameter <paramref name="index"/> of a FUNC_PROTO.</summary>
    public void SetParamName(int id, int index, uint nameOffset) =>
        Record(id, BtfKind.FuncProto, index, 8).Write(0, CheckedStringOffset(nameOffset));

    /// <summary>Variable <paramref name="index"/> of a DATASEC (<c>struct btf_var_secinfo</c>).</summary>
    public void SetDatasecVariable(int id, int index, int varId, uint offset, uint size)
    {
        var record = Record(id, BtfKind.Datasec, index, 12);
        record.Write(0, TypeIdValue(varId));
        record.Write(4, offset);
        record.Write(8, size);
    }

    /// <summary>Orders a DATASEC's variables by offset, equal offsets keeping their order (libbpf's <c>btf_fixup_datasec</c>).</summary>
    public void SortDatasecVariables(int id)
    {
        var vlen = Vlen(id, BtfKind.Datasec);
        var records = _types.AsSpan(_typeStarts[id - 1] + TypeHeaderSize, vlen * 12);
        Span<byte> moving = stackalloc byte[12];
        // Insertion sort: stable, and a section holds a handful of variables.
        for (var i = 1; i < vlen; i++)
        {
            var offset = BinaryPrimitives.ReadUInt32LittleEndian(records[(i * 12 + 4)..]);
            var j = i;
            while (j > 0 && BinaryPrimitives.ReadUInt32LittleEndian(records[((j - 1) * 12 + 4)..]) > offset)
                j--;
            if (j == i)
                continue;
            records.Slice(i * 12, 12).CopyTo(moving);
            records.Slice(j * 12, (i - j) * 12).CopyTo(records[((j + 1) * 12)..]);
            moving.CopyTo(records[(j * 12)..]);
        }
    }

    private int Vlen(int id, BtfKind kind)
    {
        var info = BinaryPrimitives.ReadUInt32LittleEndian(HeaderAt(id)[4..]);
        if ((BtfKind)((info >> 24) & 0x1f) != kind)
            throw KindMismatch(id, kind, info);
        return (int)(info & 0xffff);
    }

    private Span<byte> HeaderAt(int id)
    {
        if (id < 1 || id > LastTypeId)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"type id {id} is out of range [1, {LastTypeId}]");
        return _types.AsSpan(_typeStarts[id - 1], TypeHeaderSize);
    }

    /// <summary>Record <paramref name="index"/> (of <paramref name="recordSize"/> bytes) after type <paramref name="id"/>'s header.</summary>
    private RecordSlot Record(int id, BtfKind kind, int index, int recordSize, BtfKind? alsoKind = null)
    {
        var info = BinaryPrimitives.ReadUInt32LittleEndian(HeaderAt(id)[4..]);
        var actual = (BtfKind)((info >> 24) & 0x1f);
        if (actual != kind && actual != alsoKind)
            throw KindMismatch(id, kind, info);
        var count = BtfType.ExtraLength(actual, (int)(info & 0xffff)) / recordSize;
        if ((uint)index >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"type [{id}] {actual.ToUapiName()} has {count} records");
        return new RecordSlot(_types.AsSpan(_typeStarts[id - 1] + TypeHeaderSize + index * recordSize, recordSize));
    }

    private static ArgumentException KindMismatch(int id, BtfKind expected, uint info) =>
        new($"type [{id}] is {((BtfKind)((info >> 24) & 0x1f)).ToUapiName()}, not {expected.ToUapiName()}", nameof(id));

    private readonly ref struct RecordSlot(Span<byte> bytes)
    {
        private readonly Span<byte> _bytes = bytes;

        public void Write(int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_bytes[at..], value);
    }

    // ---- encoding rules ------------------------------------------------------------------------------------

    /// <summary><c>btf_type.info</c>: vlen (bits 0-15), kind (24-28), kind_flag (31).</summary>
    private static uint Info(BtfKind kind, int vlen, bool kindFlag)
    {
        if ((uint)kind is 0 or > (uint)BtfKind.Enum64)
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"kind {(int)kind} is no BTF_KIND_* of btf.h");
        if ((uint)vlen > 0xffff)
            throw new ArgumentOutOfRangeException(nameof(vlen), vlen, $"{kind.ToUapiName()}: vlen {vlen} does not fit 16 bits");
        return (uint)vlen | ((uint)kind << 24) | (kindFlag ? 1u << 31 : 0);
    }

    private static int Vlen(int count, string owner) =>
        count <= 0xffff ? count : throw new ArgumentOutOfRangeException(nameof(count), count, $"'{owner}': {count} records do not fit vlen's 16 bits");

    private static uint TypeIdValue(int typeId) =>
        (uint)typeId <= Btf.MaxTypeId ? (uint)typeId : throw new ArgumentOutOfRangeException(nameof(typeId), typeId, $"type id {typeId} is out of range [0, {Btf.MaxTypeId}]");

    private uint CheckedStringOffset(uint offset) =>
        offset < (uint)_stringsLength ? offset : throw new ArgumentOutOfRangeException(nameof(offset), offset, $"string offset {offset} is past the string section ({_stringsLength} bytes)");

    private static void EnsureCapacity(ref byte[] buffer, int needed)
    {
        if (needed > buffer.Length)
            Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
    }
}

/// <summary>A STRUCT or UNION member for <see cref="BtfWriter"/>: offset in bits, bitfield width (0: no bitfield).</summary>
public readonly record struct BtfWriterMember(string Name, int TypeId, uint BitOffset, uint BitfieldSize = 0);
