using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.BtfCore;

/// <summary>
/// A parsed BTF blob (uapi <c>struct btf_header</c>, type section, string section), read in place: types are
/// located once (one int per type) and decoded on demand through <see cref="BtfType"/> views, so parsing the
/// kernel's ~127k types allocates no object per type. Split BTF (a module's, on top of vmlinux) continues the
/// base's type ids and string offsets, as in libbpf.
/// </summary>
public sealed class Btf : IDisposable
{
    /// <summary><c>BTF_MAGIC</c>.</summary>
    public const ushort Magic = 0xEB9F;

    /// <summary><c>BTF_MAX_TYPE</c>: type ids are 20 bits wide in <c>btf_type.info</c> users.</summary>
    public const int MaxTypeId = 0x000fffff;

    internal const int TypeHeaderSize = 12;
    private const int MinHeaderSize = 24;

    private readonly ReadOnlyMemory<byte> _data;
    private readonly IDisposable? _owner;
    private readonly int _typesStart;
    private readonly int _stringsStart;
    /// <summary>Where each type starts; sized for the most types the section could hold, <see cref="_typeCount"/> used.</summary>
    private readonly int[] _typeOffsets;
    private readonly int _typeCount;

    /// <summary>Each type's kind, one byte apiece: scans by kind read 126 KB for vmlinux instead of 3 MB of headers.</summary>
    private readonly byte[] _typeKinds;
    // Built on the first essential-name lookup: CO-RE finds its candidates in one pass without it.
    private BtfNameIndex? _nameIndex;

    private Btf(ReadOnlyMemory<byte> data, IDisposable? owner, string sectionName, Btf? baseBtf, BtfAcceptance acceptance)
    {
        _data = data;
        _owner = owner;
        SectionName = sectionName;
        Base = baseBtf;
        var span = data.Span;
        if (span.Length < MinHeaderSize)
            throw new BtfFormatException(sectionName, 0, $"{span.Length} bytes is too short for a BTF header");
        var magic = BinaryPrimitives.ReadUInt16LittleEndian(span);
        if (magic == BinaryPrimitives.ReverseEndianness(Magic))
            throw new BtfFormatException(sectionName, 0, "big-endian BTF is not supported");
        if (magic != Magic)
            throw new BtfFormatException(sectionName, 0, $"bad magic 0x{magic:x4}, expected 0x{Magic:x4}");
        Version = span[2];
        var strict = acceptance == BtfAcceptance.Strict;
        if (strict && Version != 1)
            throw new BtfFormatException(sectionName, 2, $"unsupported BTF version {Version}");
        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        if ((strict && headerLength < MinHeaderSize) || headerLength > (uint)span.Length)
            throw new BtfFormatException(sectionName, 4, $"header length {headerLength} is out of range");
        var typeOff = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
        var typeLen = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        var strOff = BinaryPrimitives.ReadUInt32LittleEndian(span[16..]);
        var strLen = BinaryPrimitives.ReadUInt32LittleEndian(span[20..]);
        // Offsets count from the end of the header; every section must lie inside the blob.
        var available = (ulong)span.Length - headerLength;
        if ((ulong)strOff + strLen > available)
            throw new BtfFormatException(sectionName, 16, $"string section [{strOff}, +{strLen}) runs past the data ({available} bytes)");
        if (strict && (ulong)typeOff + typeLen > available)
            throw new BtfFormatException(sectionName, 8, $"type section [{typeOff}, +{typeLen}) runs past the data ({available} bytes)");
        // libbpf 1.1's btf_parse_hdr: the type section ends where the string section starts, or before.
        if (!strict && (ulong)typeOff + typeLen > strOff)
            throw new BtfFormatException(sectionName, 8, $"type section [{typeOff}, +{typeLen}) runs past the string section's start ({strOff})");
        if (typeOff % 4 != 0)
            throw new BtfFormatException(sectionName, 8, $"type section offset {typeOff} is not 4-byte aligned");
        // An empty section overlaps nothing (libbpf accepts BTF without types whose offsets coincide).
        if (strict && typeLen != 0 && strLen != 0 && (typeOff < strOff ? typeOff + typeLen > strOff : strOff + strLen > typeOff))
            throw new BtfFormatException(sectionName, 8, "type and string sections overlap");
        HeaderLength = (int)headerLength;
        _typesStart = (int)(headerLength + typeOff);
        TypesLength = (int)typeLen;
        _stringsStart = (int)(headerLength + strOff);
        StringsLength = (int)strLen;
        ValidateStringSection(span.Slice(_stringsStart, StringsLength));
        FirstTypeId = baseBtf is null ? 1 : baseBtf.LastTypeId + 1;
        FirstStringOffset = baseBtf is null ? 0 : baseBtf.FirstStringOffset + baseBtf.StringsLength;
        (_typeOffsets, _typeKinds, _typeCount) = IndexTypes(span.Slice(_typesStart, TypesLength));
        LastTypeId = FirstTypeId + _typeCount - 1;
        if (LastTypeId > MaxTypeId)
            throw new BtfFormatException(sectionName, _typesStart, $"{LastTypeId} types exceed BTF_MAX_TYPE");
    }

    /// <summary>Parses raw BTF. The memory must stay unchanged while this instance is used.</summary>
    public static Btf Parse(ReadOnlyMemory<byte> data, Btf? baseBtf = null, string sectionName = ".BTF",
        BtfAcceptance acceptance = BtfAcceptance.Strict) =>
        new(data, null, sectionName, baseBtf, acceptance);

    /// <summary>Parses raw BTF and takes ownership of <paramref name="owner"/> (e.g. a file mapping).</summary>
    internal static Btf Parse(ReadOnlyMemory<byte> data, IDisposable? owner, string sectionName, Btf? baseBtf,
        BtfAcceptance acceptance = BtfAcceptance.Strict)
    {
        try
        {
            return new Btf(data, owner, sectionName, baseBtf, acceptance);
        }
        catch
        {
            owner?.Dispose();
            throw;
        }
    }

    /// <summary>Where this BTF came from, used in error messages (a section name or a file path).</summary>
    public string SectionName { get; }

    /// <summary>The base BTF of a split BTF (vmlinux under a module's), or null.</summary>
    public Btf? Base { get; }

    public byte Version { get; }
    public int HeaderLength { get; }
    public int TypesLength { get; }
    public int StringsLength { get; }

    /// <summary>The id of this blob's first type: 1, or for split BTF one past the base's last.</summary>
    public int FirstTypeId { get; }

    /// <summary>The id of the last type, base types included (ids run 0 = void .. LastTypeId).</summary>
    public int LastTypeId { get; }

    /// <summary>The offset at which this blob's strings start: 0, or for split BTF the base's string length.</summary>
    public int FirstStringOffset { get; }

    /// <summary>The whole blob as it was given (header, types, strings).</summary>
    public ReadOnlyMemory<byte> RawData => _data;

    internal ReadOnlySpan<byte> Span => _data.Span;

    /// <summary>The type with id <paramref name="id"/> (0 is void), from the base when the id is the base's.</summary>
    public BtfType GetType(int id)
    {
        if (id >= FirstTypeId && id <= LastTypeId)
            return new BtfType(this, id, _typeOffsets[id - FirstTypeId]);
        if (id == 0)
            return new BtfType(this, 0, -1);
        if (Base is not null && id > 0 && id < FirstTypeId)
            return Base.GetType(id);
        throw new BtfFormatException(SectionName, -1, $"type id {id} is out of range [0, {LastTypeId}]");
    }

    /// <summary>True when <paramref name="id"/> names a type here or in the base (0, void, included).</summary>
    public bool ContainsType(int id) => id >= 0 && id <= LastTypeId;

    /// <summary>The NUL-terminated string at <paramref name="offset"/> in the string section, without the NUL.</summary>
    public ReadOnlySpan<byte> GetStringBytes(uint offset)
    {
        var strings = GetStringAndRest(offset);
        // The section ends in NUL (checked at parse time), so a terminator is always found.
        return strings[..strings.IndexOf((byte)0)];
    }

    /// <summary>The string at <paramref name="offset"/>, its NUL and the rest of its string section (base's or own).</summary>
    internal ReadOnlySpan<byte> GetStringAndRest(uint offset)
    {
        if (offset < (uint)FirstStringOffset && Base is not null)
            return Base.GetStringAndRest(offset);
        var local = offset - (uint)FirstStringOffset;
        if (local >= (uint)StringsLength)
            throw new BtfFormatException(SectionName, _stringsStart, $"string offset {offset} is past the string section ({FirstStringOffset + StringsLength} bytes)");
        return Span.Slice(_stringsStart + (int)local, StringsLength - (int)local);
    }

    /// <summary>True when <paramref name="offset"/> falls in this blob's string section or its base's.</summary>
    public bool HasStringAt(uint offset) =>
        offset < (uint)FirstStringOffset ? Base?.HasStringAt(offset) ?? false : offset - (uint)FirstStringOffset < (uint)StringsLength;

    /// <summary>The string at <paramref name="offset"/> decoded as UTF-8.</summary>
    public string GetString(uint offset) => offset == 0 && FirstStringOffset == 0 ? "" : Encoding.UTF8.GetString(GetStringBytes(offset));

    /// <summary>The first type named <paramref name="name"/> of <paramref name="kind"/>, or -1 (libbpf's <c>btf__find_by_name_kind</c>).</summary>
    public int FindTypeId(string name, BtfKind kind)
    {
        Span<byte> utf8 = name.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(name.Length)];
        var length = Encoding.UTF8.GetBytes(name, utf8);
        return FindTypeId(utf8[..length], kind);
    }

    /// <summary>The first type named <paramref name="name"/> (UTF-8) of <paramref name="kind"/>, or -1.</summary>
    public int FindTypeId(ReadOnlySpan<byte> name, BtfKind kind)
    {
        if (BtfNameIndex.IsIndexed(kind))
        {
            foreach (var id in FindByEssentialName(name))
            {
                var type = GetType(id);
                if (type.Kind == kind && type.NameBytes.SequenceEqual(name))
                    return id;
            }
            return -1;
        }
        return ScanForName(name, kind);
    }

    /// <summary>Kinds left out of the name index (FUNC, VAR, DATASEC, DECL_TAG) are found by a scan.</summary>
    private int ScanForName(ReadOnlySpan<byte> name, BtfKind kind)
    {
        if (Base?.ScanForName(name, kind) is { } inBase and > 0)
            return inBase;
        var scan = new NameScan(name);
        return BtfNamedTypeWalk.Walk(this, BtfNamedTypeWalk.KindMask(kind), ref scan) ? -1 : FirstTypeId + scan.Index;
    }

    /// <summary>Stops at the first type named exactly <see cref="_name"/>.</summary>
    private ref struct NameScan(ReadOnlySpan<byte> name) : IBtfNamedTypeVisitor
    {
        private readonly ReadOnlySpan<byte> _name = name;

        public int Index { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Visit(int index, BtfKind kind, ReadOnlySpan<byte> nameAndRest)
        {
            // The name matches when it is followed by its NUL.
            if (nameAndRest.Length <= _name.Length || nameAndRest[_name.Length] != 0 || !nameAndRest.StartsWith(_name))
                return true;
            Index = index;
            return false;
        }
    }

    /// <summary>
    /// Ids of every type (base first) whose essential name, the part before a <c>___flavor</c> suffix, equals
    /// the essential part of <paramref name="name"/>. The first call builds the name index (about 1.7 ms for
    /// vmlinux); later calls are allocation-free.
    /// </summary>
    public BtfNameIndex.Enumerator FindByEssentialName(ReadOnlySpan<byte> name)
    {
        var essential = name[..BtfNames.EssentialNameLength(name)];
        return new BtfNameIndex.Enumerator(this, essential);
    }

    /// <summary>The essential-name index, built on first use; concurrent first callers agree on one instance.</summary>
    internal BtfNameIndex NameIndex => Volatile.Read(ref _nameIndex) ?? BuildNameIndex();

    /// <summary>True once <see cref="NameIndex"/> has been built (tests and benchmarks check the cold path).</summary>
    internal bool HasNameIndex => Volatile.Read(ref _nameIndex) is not null;

    private BtfNameIndex BuildNameIndex()
    {
        var built = new BtfNameIndex(this);
        return Interlocked.CompareExchange(ref _nameIndex, built, null) ?? built;
    }

    internal int OwnTypeCount => _typeCount;

    /// <summary>The kind of each own type, by index (type id minus <see cref="FirstTypeId"/>).</summary>
    internal ReadOnlySpan<byte> OwnTypeKinds => _typeKinds.AsSpan(0, _typeCount);

    /// <summary>This blob's string section within <paramref name="data"/> (which is <see cref="Span"/>).</summary>
    internal ReadOnlySpan<byte> OwnStrings(ReadOnlySpan<byte> data) => data.Slice(_stringsStart, StringsLength);

    internal int OwnTypeOffset(int index) => _typeOffsets[index];

    private void ValidateStringSection(ReadOnlySpan<byte> strings)
    {
        if (strings.Length == 0)
        {
            if (Base is null)
                throw new BtfFormatException(SectionName, _stringsStart, "string section is empty; it must start with the empty string");
            return;
        }
        if (Base is null && strings[0] != 0)
            throw new BtfFormatException(SectionName, _stringsStart, "string section does not start with the empty string");
        if (strings[^1] != 0)
            throw new BtfFormatException(SectionName, _stringsStart + strings.Length - 1, "string section does not end in NUL");
    }

    /// <summary>
    /// Walks the type section, checking that each type and its trailing data fit, and records where each type
    /// starts. Two passes (count, then fill) so the only allocation is the exact offsets array.
    /// </summary>
    private (int[] Offsets, byte[] Kinds, int Count) IndexTypes(ReadOnlySpan<byte> types)
    {
        // One pass: every type takes at least its 12-byte header, which bounds the count. The arrays' tails are never
        // written, so for a large BTF their pages are never touched either.
        var offsets = GC.AllocateUninitializedArray<int>(types.Length / TypeHeaderSize);
        var kinds = GC.AllocateUninitializedArray<byte>(offsets.Length);
        var count = 0;
        var position = 0;
        while (position < types.Length)
        {
            var absolute = _typesStart + position;
            if (types.Length - position < TypeHeaderSize)
                throw new BtfFormatException(SectionName, absolute, $"type #{FirstTypeId + count} is truncated: {types.Length - position} bytes left of 12");
            var info = BinaryPrimitives.ReadUInt32LittleEndian(types[(position + 4)..]);
            var kind = (int)((info >> 24) & 0x1f);
            var vlen = (int)(info & 0xffff);
            var extra = BtfType.ExtraLength((BtfKind)kind, vlen);
            if (extra < 0)
                throw new BtfFormatException(SectionName, absolute + 4, $"type #{FirstTypeId + count} has unknown kind {kind}");
            if (types.Length - position - TypeHeaderSize < extra)
                throw new BtfFormatException(SectionName, absolute, $"type #{FirstTypeId + count} ({((BtfKind)kind).ToUapiName()}, vlen {vlen}) needs {extra} bytes after its header, {types.Length - position - TypeHeaderSize} left");
            offsets[count] = absolute;
            kinds[count++] = (byte)kind;
            position += TypeHeaderSize + extra;
        }
        return (offsets, kinds, count);
    }

    public void Dispose() => _owner?.Dispose();
}

/// <summary>How much of an odd header <see cref="Btf.Parse(ReadOnlyMemory{byte}, Btf?, string, BtfAcceptance)"/> accepts.</summary>
public enum BtfAcceptance
{
    /// <summary>What a loader hands the kernel: version 1, a whole header, both sections inside the blob and apart.</summary>
    Strict,

    /// <summary>
    /// What bpftool 7.1 dumps (libbpf 1.1's <c>btf_parse_hdr</c>): any version, a header length up to the blob's,
    /// the string section inside the blob and the type section before it. Used to dump, never to load.
    /// </summary>
    Bpftool,
}
