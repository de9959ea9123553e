using System.Buffers.Binary;

namespace RawBpf.BtfCore;

/// <summary>
/// The <c>.BTF.ext</c> section clang emits beside <c>.BTF</c>: per program section, func_info, line_info and
/// CO-RE relocation records. Layout (libbpf's <c>struct btf_ext_header</c>): magic, version, flags, hdr_len,
/// then offset/length pairs relative to the header's end; each block is a record size followed by
/// { sec_name_off, num_info, records } groups.
/// </summary>
public sealed class BtfExt
{
    private const int MinHeaderSize = 24;          // up to line_info_len
    private const int HeaderSizeWithCoreRelo = 32; // core_relo_off, core_relo_len added later

    private BtfExt(BtfExtInfo funcInfo, BtfExtInfo lineInfo, BtfExtInfo coreRelocations)
    {
        FuncInfo = funcInfo;
        LineInfo = lineInfo;
        CoreRelocations = coreRelocations;
    }

    public BtfExtInfo FuncInfo { get; }
    public BtfExtInfo LineInfo { get; }
    public BtfExtInfo CoreRelocations { get; }

    /// <summary>Parses <c>.BTF.ext</c>; section names are offsets into <paramref name="btf"/>'s strings.</summary>
    public static BtfExt Parse(ReadOnlyMemory<byte> data, Btf btf, string sectionName = ".BTF.ext")
    {
        var span = data.Span;
        if (span.Length < MinHeaderSize)
            throw new BtfFormatException(sectionName, 0, $"{span.Length} bytes is too short for a BTF.ext header");
        var magic = BinaryPrimitives.ReadUInt16LittleEndian(span);
        if (magic != Btf.Magic)
            throw new BtfFormatException(sectionName, 0, $"bad magic 0x{magic:x4}, expected 0x{Btf.Magic:x4}");
        if (span[2] != 1)
            throw new BtfFormatException(sectionName, 2, $"unsupported BTF.ext version {span[2]}");
        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        if (headerLength < MinHeaderSize || headerLength > (uint)span.Length)
            throw new BtfFormatException(sectionName, 4, $"header length {headerLength} is out of range");
        var reader = new BlockReader(data, (int)headerLength, btf, sectionName);
        var funcInfo = reader.Read("func_info", 8, minRecordSize: 8);
        var lineInfo = reader.Read("line_info", 16, minRecordSize: 16);
        var coreRelocations = headerLength >= HeaderSizeWithCoreRelo
            ? reader.Read("core_relo", 24, minRecordSize: 16)
            : BtfExtInfo.Empty("core_relo");
        return new BtfExt(funcInfo, lineInfo, coreRelocations);
    }

    private readonly ref struct BlockReader(ReadOnlyMemory<byte> data, int headerLength, Btf btf, string sectionName)
    {
        public BtfExtInfo Read(string blockName, int headerField, int minRecordSize)
        {
            var span = data.Span;
            var offset = BinaryPrimitives.ReadUInt32LittleEndian(span[headerField..]);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(span[(headerField + 4)..]);
            if (length == 0)
                return BtfExtInfo.Empty(blockName);
            var start = (ulong)headerLength + offset;
            if (start + length > (ulong)span.Length)
                throw new BtfFormatException(sectionName, headerField, $"{blockName} [{offset}, +{length}) runs past the section ({span.Length - headerLength} bytes after the header)");
            if (length < 4)
                throw new BtfFormatException(sectionName, (long)start, $"{blockName} is too short for its record size");
            var block = data.Slice((int)start, (int)length);
            var recordSize = BinaryPrimitives.ReadUInt32LittleEndian(block.Span);
            if (recordSize < minRecordSize || recordSize % 4 != 0 || recordSize > 1024)
                throw new BtfFormatException(sectionName, (long)start, $"{blockName} record size {recordSize} is invalid (at least {minRecordSize}, a multiple of 4)");
            var sections = new List<BtfExtSection>();
            var position = 4;
            while (position < block.Length)
            {
                var at = (long)start + position;
                if (block.Length - position < 8)
                    throw new BtfFormatException(sectionName, at, $"{blockName} section header is truncated");
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(block.Span[position..]);
                var count = BinaryPrimitives.ReadUInt32LittleEndian(block.Span[(position + 4)..]);
                if (count == 0)
                    throw new BtfFormatException(sectionName, at + 4, $"{blockName} section has no records");
                var bytes = (ulong)count * recordSize;
                if (bytes > (ulong)(block.Length - position - 8))
                    throw new BtfFormatException(sectionName, at + 4, $"{blockName} section claims {count} records of {recordSize} bytes, {block.Length - position - 8} bytes left");
                string name;
                try
                {
                    name = btf.GetString(nameOffset);
                }
                catch (BtfFormatException e)
                {
                    throw new BtfFormatException(sectionName, at, $"{blockName} section name offset {nameOffset} is invalid: {e.Message}");
                }
                sections.Add(new BtfExtSection(name, block.Slice(position + 8, (int)bytes), (int)recordSize));
                position += 8 + (int)bytes;
            }
            return new BtfExtInfo(blockName, (int)recordSize, sections);
        }
    }
}

/// <summary>One block of <c>.BTF.ext</c> (func_info, line_info or core_relo) grouped by program section.</summary>
public sealed class BtfExtInfo
{
    internal BtfExtInfo(string name, int recordSize, IReadOnlyList<BtfExtSection> sections)
    {
        Name = name;
        RecordSize = recordSize;
        Sections = sections;
    }

    internal static BtfExtInfo Empty(string name) => new(name, 0, []);

    public string Name { get; }

    /// <summary>Bytes per record as the object declares (at least the uapi struct's size).</summary>
    public int RecordSize { get; }

    public IReadOnlyList<BtfExtSection> Sections { get; }

    /// <summary>The records for program section <paramref name="sectionName"/>, or null.</summary>
    public BtfExtSection? ForSection(string sectionName)
    {
        foreach (var section in Sections)
        {
            if (section.SectionName == sectionName)
                return section;
        }
        return null;
    }
}

/// <summary>The records of one program section, read in place; each accessor reads one record.</summary>
public sealed class BtfExtSection
{
    internal BtfExtSection(string sectionName, ReadOnlyMemory<byte> records, int recordSize)
    {
        SectionName = sectionName;
        Records = records;
        RecordSize = recordSize;
    }

    public string SectionName { get; }
    public ReadOnlyMemory<byte> Records { get; }
    public int RecordSize { get; }
    public int Count => Records.Length / RecordSize;

    private ReadOnlySpan<byte> Record(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return Records.Span.Slice(index * RecordSize, RecordSize);
    }

    private static uint U32(ReadOnlySpan<byte> record, int field) => BinaryPrimitives.ReadUInt32LittleEndian(record[(field * 4)..]);

    public BpfFuncInfo GetFuncInfo(int index)
    {
        var r = Record(index);
        return new BpfFuncInfo(U32(r, 0), (int)U32(r, 1));
    }

    public BpfLineInfo GetLineInfo(int index)
    {
        var r = Record(index);
        return new BpfLineInfo(U32(r, 0), U32(r, 1), U32(r, 2), U32(r, 3));
    }

    public BpfCoreRelocation GetCoreRelocation(int index)
    {
        var r = Record(index);
        return new BpfCoreRelocation(U32(r, 0), (int)U32(r, 1), U32(r, 2), (BpfCoreRelocationKind)U32(r, 3));
    }
}
