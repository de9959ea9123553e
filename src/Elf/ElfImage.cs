using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;

namespace RawBpf.Elf;

/// <summary>
/// The sections and symbols of a little-endian ELF64 file, read once by ELFSharp. ELFSharp seeks and indexes
/// where the headers point without checking, so what it would follow is checked first, in RawBpf's words with
/// the section and offset; ELFSharp then supplies section names, types, flags and the symbol table. It hides
/// sh_link and sh_info and reads sh_offset and sh_size as signed numbers: those come from the checked headers.
/// </summary>
internal sealed class ElfImage
{
    private const int HeaderSize = 64;          // sizeof(Elf64_Ehdr)
    private const int SectionHeaderSize = 64;   // sizeof(Elf64_Shdr)
    private const string Header = "ELF header";

    private ElfImage(IReadOnlyList<ElfSection> sections, IReadOnlyList<ElfSymbol> symbols, ElfSection? symbolTable)
    {
        Sections = sections;
        Symbols = symbols;
        SymbolTable = symbolTable;
    }

    public IReadOnlyList<ElfSection> Sections { get; }
    public IReadOnlyList<ElfSymbol> Symbols { get; }
    public ElfSection? SymbolTable { get; }

    /// <summary>
    /// Reads <paramref name="bytes"/>; <paramref name="bpfObject"/> requires what a BPF object is (ET_REL,
    /// EM_BPF), false accepts any little-endian ELF64 (a BTF container such as pahole or BTFHub write).
    /// </summary>
    public static ElfImage Parse(ReadOnlyMemory<byte> bytes, string name, bool bpfObject = true)
    {
        var span = bytes.Span;
        CheckHeader(span, bpfObject);
        var table = SectionHeaderTable(span);
        var raw = new RawSection[table.Count];
        for (var i = 0; i < raw.Length; i++)
            raw[i] = ReadSectionHeader(span, table.SectionHeaderOffset(i), i, raw.Length);
        var names = CheckSectionNames(span, raw, table.NamesIndex);
        for (var i = 0; i < raw.Length; i++)
            CheckForElfSharp(span, raw, names, i, table.SectionHeaderOffset(i));

        var elf = LoadWithElfSharp(bytes, name);
        var sections = new ElfSection[raw.Length];
        ElfSection? symbolTable = null;
        for (var index = 0; index < raw.Length; index++)
        {
            var section = elf.Sections[index];
            var r = raw[index];
            var type = (uint)section.Type;
            // No file bytes bound a NOBITS size: the kernel does (a data map's value, E2BIG above INT_MAX).
            if (type == ElfConstants.ShtNoBits && r.Size > ElfConstants.MaxMapValueSize)
                throw new ElfFormatException(section.Name, 0, $"NOBITS section size {r.Size} exceeds the largest map value the kernel accepts ({ElfConstants.MaxMapValueSize} bytes; section header at offset {table.SectionHeaderOffset(index)})");
            var data = r.HasFileBytes ? bytes.Slice((int)r.Offset, (int)r.Size) : ReadOnlyMemory<byte>.Empty;
            sections[index] = new ElfSection(index, section.Name, type, section.RawFlags, (long)r.Offset, (long)r.Size, r.Link, r.Info,
                section.EntrySize, section.Alignment, data);
            if (type == ElfConstants.ShtSymTab)
            {
                if (symbolTable is not null)
                    throw new ElfFormatException(section.Name, 0, "multiple symbol tables");
                symbolTable = sections[index];
            }
        }
        var symbols = symbolTable is null ? [] : ReadSymbols(elf, symbolTable, sections.Length);
        return new ElfImage(sections, symbols, symbolTable);
    }

    private static void CheckHeader(ReadOnlySpan<byte> span, bool bpfObject)
    {
        if (span.Length < 4 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new ElfFormatException(Header, 0, "not an ELF file (bad magic)");
        if (span.Length < HeaderSize)
            throw new ElfFormatException(Header, span.Length, $"file of {span.Length} bytes is too short for an ELF64 header");
        if (span[4] != 2)    // EI_CLASS: ELFCLASS64
            throw new ElfFormatException(Header, 4, $"EI_CLASS {span[4]}: only 64-bit ELF is supported");
        if (span[5] != 1)    // EI_DATA: ELFDATA2LSB
            throw new ElfFormatException(Header, 5, $"EI_DATA {span[5]}: only little-endian BPF objects are supported");
        if (bpfObject)
        {
            var type = BinaryPrimitives.ReadUInt16LittleEndian(span[0x10..]);
            if (type != ElfConstants.TypeRelocatable)
                throw new ElfFormatException(Header, 0x10, $"e_type {type}: a BPF object must be relocatable (ET_REL)");
            var machine = BinaryPrimitives.ReadUInt16LittleEndian(span[0x12..]);
            if (machine != ElfConstants.MachineBpf)
                throw new ElfFormatException(Header, 0x12, $"e_machine {machine}: not EM_BPF ({ElfConstants.MachineBpf})");
        }
        var version = BinaryPrimitives.ReadUInt32LittleEndian(span[0x14..]);
        if (version != 1)    // EV_CURRENT, which ELFSharp requires too
            throw new ElfFormatException(Header, 0x14, $"e_version {version}, expected 1");
    }

    private readonly record struct SectionTable(ulong Offset, int Count, int NamesIndex)
    {
        public ulong SectionHeaderOffset(int index) => Offset + (ulong)index * SectionHeaderSize;
    }

    /// <summary>e_shoff, e_shentsize, e_shnum and e_shstrndx, which ELFSharp follows as they are.</summary>
    private static SectionTable SectionHeaderTable(ReadOnlySpan<byte> span)
    {
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);       // e_shoff
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3a..]);   // e_shentsize
        var count = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3c..]);       // e_shnum
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3e..]);  // e_shstrndx
        if (count == 0)
            throw new ElfFormatException(Header, 0x3c, "no section headers (e_shnum 0; extended section numbering is not supported)");
        if (entrySize != SectionHeaderSize)
            throw new ElfFormatException(Header, 0x3a, $"e_shentsize {entrySize}, expected {SectionHeaderSize}");
        if (offset > (ulong)span.Length || (ulong)count * SectionHeaderSize > (ulong)span.Length - offset)
            throw new ElfFormatException(Header, 0x28, $"section header table [{offset}, +{count}x{SectionHeaderSize}) runs past the file ({span.Length} bytes)");
        if (namesIndex >= count)
            throw new ElfFormatException(Header, 0x3e, $"section name table index {namesIndex} is out of range ({count} sections)");
        return new SectionTable(offset, count, namesIndex);
    }

    /// <summary>The fields of one Elf64_Shdr that ELFSharp either hides or reads unchecked.</summary>
    private readonly record struct RawSection(uint NameOffset, uint Type, ulong Offset, ulong Size, uint Link, uint Info, ulong EntrySize)
    {
        public bool HasFileBytes => Type is not (ElfConstants.ShtNoBits or ElfConstants.ShtNull);
    }

    private static RawSection ReadSectionHeader(ReadOnlySpan<byte> span, ulong at, int index, int count)
    {
        var h = span.Slice((int)at, SectionHeaderSize);
        var r = new RawSection(
            BinaryPrimitives.ReadUInt32LittleEndian(h),           // sh_name
            BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),      // sh_type
            BinaryPrimitives.ReadUInt64LittleEndian(h[0x18..]),   // sh_offset
            BinaryPrimitives.ReadUInt64LittleEndian(h[0x20..]),   // sh_size
            BinaryPrimitives.ReadUInt32LittleEndian(h[0x28..]),   // sh_link
            BinaryPrimitives.ReadUInt32LittleEndian(h[0x2c..]),   // sh_info
            BinaryPrimitives.ReadUInt64LittleEndian(h[0x38..]));  // sh_entsize
        var where = $"section #{index}";
        if (r.HasFileBytes && (r.Offset > (ulong)span.Length || r.Size > (ulong)span.Length - r.Offset))
            throw new ElfFormatException(where, (long)at + 0x18, $"section data [{r.Offset}, +{r.Size}) runs past the file ({span.Length} bytes)");
        if (r.Type is ElfConstants.ShtRel or ElfConstants.ShtSymTab && (r.Link >= count))
            throw new ElfFormatException(where, (long)at + 0x28, $"sh_link {r.Link} is out of range ({count} sections)");
        if (r.Type == ElfConstants.ShtRel && r.Info >= count)
            throw new ElfFormatException(where, (long)at + 0x2c, $"sh_info {r.Info} is out of range ({count} sections)");
        return r;
    }

    /// <summary>
    /// ELFSharp names every section from the table e_shstrndx points at, past its end if sh_name says so. The
    /// names are decoded here only to say which section a later check refuses.
    /// </summary>
    private static string[] CheckSectionNames(ReadOnlySpan<byte> span, RawSection[] raw, int namesIndex)
    {
        var table = raw[namesIndex];
        if (table.Type != ElfConstants.ShtStrTab)
            throw new ElfFormatException($"section #{namesIndex}", 0, "the section name table is not SHT_STRTAB");
        var strings = span.Slice((int)table.Offset, (int)table.Size);
        var names = new string[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            var offset = raw[i].NameOffset;
            if (offset >= (uint)strings.Length)
                throw new ElfFormatException($"section #{i}", 0, $"sh_name {offset} is past the section name table ({strings.Length} bytes)");
            var rest = strings[(int)offset..];
            var end = rest.IndexOf((byte)0);
            if (end < 0)
                throw new ElfFormatException($"section #{namesIndex}", (long)offset, "section name is not NUL-terminated");
            names[i] = System.Text.Encoding.UTF8.GetString(rest[..end]);
        }
        return names;
    }

    /// <summary>
    /// What ELFSharp indexes without checking while it loads: a symbol table's names in the string table it finds
    /// by name (.strtab), and a note's name and descriptor sizes. Clang writes both consistently; a mutated file may not.
    /// </summary>
    private static void CheckForElfSharp(ReadOnlySpan<byte> span, RawSection[] raw, string[] names, int index, ulong headerOffset)
    {
        var section = raw[index];
        var data = section.HasFileBytes ? span.Slice((int)section.Offset, (int)section.Size) : default;
        if (section.Type is ElfConstants.ShtSymTab or ElfConstants.ShtDynSym)
        {
            var stringsName = section.Type == ElfConstants.ShtSymTab ? ".strtab" : ".dynstr";
            if (section.Link >= raw.Length || names[section.Link] != stringsName || raw[section.Link].Type != ElfConstants.ShtStrTab)
                throw new ElfFormatException(names[index], (long)headerOffset + 0x28, $"sh_link {section.Link} is not the {stringsName} string table");
            if (section.EntrySize != ElfConstants.SymbolSize || section.Size % ElfConstants.SymbolSize != 0)
                throw new ElfFormatException(names[index], (long)headerOffset + 0x38, $"sh_entsize {section.EntrySize} and size {section.Size} do not make {ElfConstants.SymbolSize}-byte symbols");
            var strings = span.Slice((int)raw[section.Link].Offset, (int)raw[section.Link].Size);
            for (var at = 0; at < data.Length; at += ElfConstants.SymbolSize)
            {
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[at..]);
                if (nameOffset != 0 && (nameOffset >= strings.Length || strings[(int)nameOffset..].IndexOf((byte)0) < 0))
                    throw new ElfFormatException(names[index], at, $"symbol #{at / ElfConstants.SymbolSize}: st_name {nameOffset} is not a string of {stringsName} ({strings.Length} bytes)");
            }
        }
        else if (section.Type == ElfConstants.ShtNote)
        {
            // One note (Elf64_Nhdr: namesz, descsz, type, then both padded to 4 bytes) is what ELFSharp reads.
            if (data.Length < 12)
                throw new ElfFormatException(names[index], 0, $"note of {data.Length} bytes is shorter than its 12-byte header");
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(data);
            var descriptorSize = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            if (12 + (((ulong)nameSize + 3) & ~3UL) + (((ulong)descriptorSize + 3) & ~3UL) > (ulong)data.Length)
                throw new ElfFormatException(names[index], 0, $"note name ({nameSize} bytes) and descriptor ({descriptorSize} bytes) run past the section ({data.Length} bytes)");
        }
    }

    private static ELF<ulong> LoadWithElfSharp(ReadOnlyMemory<byte> bytes, string name)
    {
        var array = MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToArray();
        try
        {
            if (!ELFReader.TryLoad<ulong>(new MemoryStream(array, writable: false), shouldOwnStream: true, out var elf))
                throw new ElfFormatException(name, 0, "ELFSharp cannot read this file as ELF64");
            return elf;
        }
        catch (Exception e) when (e is not ElfFormatException)
        {
            // Its message would be a .NET resource key in the AOT tools; what it read is the section table.
            throw new ElfFormatException(name, 0, "ELFSharp cannot read the section headers and the tables they point at", e);
        }
    }

    /// <summary>ELFSharp's symbols, with the one field it does not check: st_shndx must name a section or a reserved index.</summary>
    private static ElfSymbol[] ReadSymbols(ELF<ulong> elf, ElfSection table, int sectionCount)
    {
        var symbols = new List<ElfSymbol>((int)(table.Size / ElfConstants.SymbolSize));
        foreach (var entry in ((SymbolTable<ulong>)elf.Sections[table.Index]).Entries)
        {
            var i = symbols.Count;
            var shndx = entry.PointedSectionIndex;
            if (shndx != 0 && shndx < ElfConstants.ShnLoReserve && shndx >= sectionCount)
                throw new ElfFormatException(table.Name, i * ElfConstants.SymbolSize + 6, $"symbol #{i}: st_shndx {shndx} is out of range ({sectionCount} sections)");
            symbols.Add(new ElfSymbol(i, entry.Name ?? "", entry.Value, entry.Size, (ElfSymbolType)entry.Type,
                (ElfSymbolBinding)entry.Binding, (ElfSymbolVisibility)entry.Visibility, shndx));
        }
        return [.. symbols];
    }
}
