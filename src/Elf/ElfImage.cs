using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;

namespace RawBpf.Elf;

/// <summary>
/// The sections and symbols of a little-endian ELF64 EM_BPF relocatable object. The headers are checked here
/// against the file's bounds (so every later slice is in range); ELFSharp then supplies section names and the
/// symbol table. sh_link and sh_info, which ELFSharp does not expose, are read from the raw section headers.
/// </summary>
internal sealed class ElfImage
{
    private const int HeaderSize = 64;          // sizeof(Elf64_Ehdr)
    private const int SectionHeaderSize = 64;   // sizeof(Elf64_Shdr)
    private const string Header = "ELF header";

    private ElfImage(string name, IReadOnlyList<ElfSection> sections, IReadOnlyList<ElfSymbol> symbols, ElfSection? symbolTable)
    {
        Name = name;
        Sections = sections;
        Symbols = symbols;
        SymbolTable = symbolTable;
    }

    public string Name { get; }
    public IReadOnlyList<ElfSection> Sections { get; }
    public IReadOnlyList<ElfSymbol> Symbols { get; }
    public ElfSection? SymbolTable { get; }

    public static ElfImage Parse(ReadOnlyMemory<byte> bytes, string name)
    {
        var span = bytes.Span;
        CheckHeader(span);
        var sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);   // e_shoff
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3a..]);      // e_shentsize
        var count = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3c..]);          // e_shnum
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3e..]);     // e_shstrndx
        if (count == 0)
            throw new ElfFormatException(Header, 0x3c, "no section headers (e_shnum 0; extended section numbering is not supported)");
        if (entrySize != SectionHeaderSize)
            throw new ElfFormatException(Header, 0x3a, $"e_shentsize {entrySize}, expected {SectionHeaderSize}");
        if (sectionTable > (ulong)span.Length || (ulong)count * SectionHeaderSize > (ulong)span.Length - sectionTable)
            throw new ElfFormatException(Header, 0x28, $"section header table [{sectionTable}, +{count}x{SectionHeaderSize}) runs past the file ({span.Length} bytes)");
        if (namesIndex >= count)
            throw new ElfFormatException(Header, 0x3e, $"section name table index {namesIndex} is out of range ({count} sections)");

        var raw = new RawSection[count];
        for (var i = 0; i < count; i++)
            raw[i] = ReadSectionHeader(span, (int)sectionTable + i * SectionHeaderSize, i, count);
        var names = ReadSectionNames(span, raw, namesIndex);
        for (var i = 0; i < count; i++)
        {
            // No file bytes bound a NOBITS size: the kernel does (a data map's value, E2BIG above INT_MAX).
            if (raw[i].Type == ElfConstants.ShtNoBits && raw[i].Size > ElfConstants.MaxMapValueSize)
                throw new ElfFormatException(names[i], 0, $"NOBITS section size {raw[i].Size} exceeds the largest map value the kernel accepts ({ElfConstants.MaxMapValueSize} bytes; section header at offset {sectionTable + (ulong)i * SectionHeaderSize})");
        }

        // ELFSharp reads every symbol table and note while it loads: check what it will index first.
        for (var i = 0; i < count; i++)
            CheckForElfSharp(span, raw, names, i, sectionTable + (ulong)i * SectionHeaderSize);

        // ELFSharp parses the same (now validated) bytes for names and symbols.
        var elf = LoadWithElfSharp(bytes, name);
        if (elf.Sections.Count != count)
            throw new ElfFormatException(Header, 0x3c, $"ELFSharp sees {elf.Sections.Count} sections, the header says {count}");
        var sections = new ElfSection[count];
        for (var i = 0; i < count; i++)
        {
            var r = raw[i];
            var elfSharpName = SafeName(elf, i, names[i]);
            var data = r.Type is ElfConstants.ShtNoBits or ElfConstants.ShtNull ? ReadOnlyMemory<byte>.Empty : bytes.Slice((int)r.Offset, (int)r.Size);
            sections[i] = new ElfSection(i, elfSharpName, r.Type, r.Flags, (long)r.Offset, (long)r.Size, r.Link, r.Info, r.EntrySize, r.Alignment, data);
        }

        ElfSection? symbolTable = null;
        foreach (var section in sections)
        {
            if (section.Type != ElfConstants.ShtSymTab)
                continue;
            if (symbolTable is not null)
                throw new ElfFormatException(section.Name, 0, "multiple symbol tables");
            symbolTable = section;
        }
        var symbols = symbolTable is null ? [] : ReadSymbols(elf, sections, symbolTable);
        return new ElfImage(name, sections, symbols, symbolTable);
    }

    private static void CheckHeader(ReadOnlySpan<byte> span)
    {
        if (span.Length < 4 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new ElfFormatException(Header, 0, "not an ELF file (bad magic)");
        if (span.Length < HeaderSize)
            throw new ElfFormatException(Header, span.Length, $"file of {span.Length} bytes is too short for an ELF64 header");
        if (span[4] != 2)    // EI_CLASS: ELFCLASS64
            throw new ElfFormatException(Header, 4, $"EI_CLASS {span[4]}: only 64-bit ELF is supported");
        if (span[5] != 1)    // EI_DATA: ELFDATA2LSB
            throw new ElfFormatException(Header, 5, $"EI_DATA {span[5]}: only little-endian BPF objects are supported");
        var type = BinaryPrimitives.ReadUInt16LittleEndian(span[0x10..]);
        if (type != ElfConstants.TypeRelocatable)
            throw new ElfFormatException(Header, 0x10, $"e_type {type}: a BPF object must be relocatable (ET_REL)");
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(span[0x12..]);
        if (machine != ElfConstants.MachineBpf)
            throw new ElfFormatException(Header, 0x12, $"e_machine {machine}: not EM_BPF ({ElfConstants.MachineBpf})");
        var version = BinaryPrimitives.ReadUInt32LittleEndian(span[0x14..]);
        if (version != 1)    // EV_CURRENT, which ELFSharp requires too
            throw new ElfFormatException(Header, 0x14, $"e_version {version}, expected 1");
    }

    private readonly record struct RawSection(uint NameOffset, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link, uint Info, ulong Alignment, ulong EntrySize);

    private static RawSection ReadSectionHeader(ReadOnlySpan<byte> span, int at, int index, int count)
    {
        var h = span.Slice(at, SectionHeaderSize);
        var r = new RawSection(
            BinaryPrimitives.ReadUInt32LittleEndian(h),           // sh_name
            BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),      // sh_type
            BinaryPrimitives.ReadUInt64LittleEndian(h[8..]),      // sh_flags
            BinaryPrimitives.ReadUInt64LittleEndian(h[0x18..]),   // sh_offset
            BinaryPrimitives.ReadUInt64LittleEndian(h[0x20..]),   // sh_size
            BinaryPrimitives.ReadUInt32LittleEndian(h[0x28..]),   // sh_link
            BinaryPrimitives.ReadUInt32LittleEndian(h[0x2c..]),   // sh_info
            BinaryPrimitives.ReadUInt64LittleEndian(h[0x30..]),   // sh_addralign
            BinaryPrimitives.ReadUInt64LittleEndian(h[0x38..]));  // sh_entsize
        var where = $"section #{index}";
        if (r.Type != ElfConstants.ShtNoBits && r.Type != ElfConstants.ShtNull
            && (r.Offset > (ulong)span.Length || r.Size > (ulong)span.Length - r.Offset))
            throw new ElfFormatException(where, at + 0x18, $"section data [{r.Offset}, +{r.Size}) runs past the file ({span.Length} bytes)");
        if (r.Type is ElfConstants.ShtRel or ElfConstants.ShtSymTab && (r.Link >= count))
            throw new ElfFormatException(where, at + 0x28, $"sh_link {r.Link} is out of range ({count} sections)");
        if (r.Type == ElfConstants.ShtRel && r.Info >= count)
            throw new ElfFormatException(where, at + 0x2c, $"sh_info {r.Info} is out of range ({count} sections)");
        return r;
    }

    private static string[] ReadSectionNames(ReadOnlySpan<byte> span, RawSection[] raw, int namesIndex)
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
    /// What ELFSharp indexes without checking: a symbol table's names in the string table it finds by name
    /// (.strtab), and a note's name and descriptor sizes. Clang writes both consistently; a mutated file may not.
    /// </summary>
    private static void CheckForElfSharp(ReadOnlySpan<byte> span, RawSection[] raw, string[] names, int index, ulong headerOffset)
    {
        var section = raw[index];
        var data = section.Type is ElfConstants.ShtNoBits or ElfConstants.ShtNull ? default : span.Slice((int)section.Offset, (int)section.Size);
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

    private static string SafeName(ELF<ulong> elf, int index, string rawName)
    {
        string elfSharpName;
        try
        {
            elfSharpName = elf.Sections[index].Name;
        }
        catch (Exception e)
        {
            throw new ElfFormatException($"section #{index}", 0, "ELFSharp cannot read the section header", e);
        }
        // Both read the same table; a difference would mean one of the two readers is wrong.
        if (elfSharpName != rawName)
            throw new ElfFormatException($"section #{index}", 0, $"section name '{elfSharpName}' (ELFSharp) differs from '{rawName}' (section header)");
        return elfSharpName;
    }

    private static ElfSymbol[] ReadSymbols(ELF<ulong> elf, ElfSection[] sections, ElfSection table)
    {
        if (table.EntrySize != ElfConstants.SymbolSize)
            throw new ElfFormatException(table.Name, 0, $"sh_entsize {table.EntrySize}, expected {ElfConstants.SymbolSize}");
        if (table.Size % ElfConstants.SymbolSize != 0)
            throw new ElfFormatException(table.Name, 0, $"size {table.Size} is not a multiple of {ElfConstants.SymbolSize}");
        var strings = sections[table.Link];
        if (strings.Type != ElfConstants.ShtStrTab)
            throw new ElfFormatException(table.Name, 0, $"sh_link {table.Link} ({strings.Name}) is not a string table");
        // Check st_name and st_shndx of every entry before ELFSharp resolves them.
        var raw = table.Data.Span;
        var count = (int)(table.Size / ElfConstants.SymbolSize);
        for (var i = 0; i < count; i++)
        {
            var entry = raw.Slice(i * ElfConstants.SymbolSize, ElfConstants.SymbolSize);
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            if (nameOffset != 0 && nameOffset >= strings.Size)
                throw new ElfFormatException(table.Name, i * ElfConstants.SymbolSize, $"symbol #{i}: st_name {nameOffset} is past {strings.Name} ({strings.Size} bytes)");
            if (nameOffset != 0 && strings.Data.Span[(int)nameOffset..].IndexOf((byte)0) < 0)
                throw new ElfFormatException(table.Name, i * ElfConstants.SymbolSize, $"symbol #{i}: name is not NUL-terminated");
            var shndx = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
            if (shndx != 0 && shndx < ElfConstants.ShnLoReserve && shndx >= sections.Length)
                throw new ElfFormatException(table.Name, i * ElfConstants.SymbolSize + 6, $"symbol #{i}: st_shndx {shndx} is out of range ({sections.Length} sections)");
        }

        try
        {
            var symbolTable = (SymbolTable<ulong>)elf.Sections[table.Index];
            var result = new ElfSymbol[count];
            var i = 0;
            foreach (var entry in symbolTable.Entries)
            {
                if (i == count)
                    break;
                result[i] = new ElfSymbol(i, entry.Name ?? "", entry.Value, entry.Size, (ElfSymbolType)entry.Type,
                    (ElfSymbolBinding)entry.Binding, (ElfSymbolVisibility)entry.Visibility, entry.PointedSectionIndex);
                i++;
            }
            if (i != count)
                throw new ElfFormatException(table.Name, i * ElfConstants.SymbolSize, $"ELFSharp read {i} symbols of {count}");
            return result;
        }
        catch (Exception e) when (e is not ElfFormatException)
        {
            throw new ElfFormatException(table.Name, 0, "ELFSharp cannot read the symbol table", e);
        }
    }
}
