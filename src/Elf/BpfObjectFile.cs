using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>
/// The object model of a clang-built EM_BPF ELF, read as libbpf's <c>bpf_object__open</c> reads it (aya-obj is
/// the same idea in Rust): programs per executable section, BTF-defined maps from <c>.maps</c>, one internal
/// array map per global data section, externs, and each program section's relocations classified. Pure: the
/// only I/O is reading the file in <see cref="Load"/>.
/// </summary>
public sealed class BpfObjectFile
{
    private BpfObjectFile(string path, string objectName, ElfImage image)
    {
        Path = path;
        ObjectName = objectName;
        Image = image;
    }

    internal ElfImage Image { get; }

    /// <summary>The path or name given to <see cref="Load"/>/<see cref="Parse"/>.</summary>
    public string Path { get; }

    /// <summary>libbpf's object name: the file name up to its first '.', at most 15 characters (prefix of internal map names).</summary>
    public string ObjectName { get; }

    public IReadOnlyList<ElfSection> Sections => Image.Sections;
    public IReadOnlyList<ElfSymbol> Symbols => Image.Symbols;

    /// <summary>SEC("license"), up to its first NUL; "" when absent.</summary>
    public string License { get; private set; } = "";

    /// <summary>SEC("version") as a u32, or null (libbpf 1.x ignores it and takes the running kernel's version).</summary>
    public uint? KernelVersion { get; private set; }

    /// <summary>The <c>.BTF</c> section, or null when the object has none.</summary>
    public Btf? Btf { get; private set; }

    /// <summary>The <c>.BTF.ext</c> section (func_info, line_info, CO-RE relocations), or null.</summary>
    public BtfExt? BtfExt { get; private set; }

    /// <summary>Executable sections in section order, .text included when it has code.</summary>
    public IReadOnlyList<ProgramSection> ProgramSections { get; private set; } = [];

    /// <summary>Every function of every executable section: entry points and .text subprograms.</summary>
    public IReadOnlyList<BpfProgram> Functions { get; private set; } = [];

    /// <summary>The entry points libbpf would load (functions outside .text).</summary>
    public IEnumerable<BpfProgram> Programs => Functions.Where(f => !f.IsSubprogram);

    /// <summary>Maps in libbpf's order: BTF-defined maps, then data sections in section order, then .kconfig.</summary>
    public IReadOnlyList<MapDefinition> Maps { get; private set; } = [];

    /// <summary>The internal maps of data sections (.rodata*, .data*, .bss*), with their variables.</summary>
    public IEnumerable<MapDefinition> DataMaps => Maps.Where(m => m.Kind is MapKind.Data or MapKind.ReadOnlyData or MapKind.Bss);

    /// <summary>Externs sorted as libbpf sorts them (kconfig first, by alignment desc, size asc, name; then ksyms by name).</summary>
    public IReadOnlyList<BpfExtern> Externs { get; private set; } = [];

    /// <summary>Index of <c>.text</c>, or -1.</summary>
    public int TextSectionIndex { get; private set; } = -1;

    /// <summary>Index of <c>.maps</c>, or -1.</summary>
    public int MapsSectionIndex { get; private set; } = -1;

    public BpfProgram? FindProgram(string name) => Functions.FirstOrDefault(f => f.Name == name);
    public MapDefinition? FindMap(string name) => Maps.FirstOrDefault(m => m.Name == name);

    /// <summary>The data map holding variable <paramref name="name"/> and the variable, or null.</summary>
    public (MapDefinition Map, GlobalVariable Variable)? FindVariable(string name)
    {
        foreach (var map in DataMaps)
        {
            if (map.FindVariable(name) is { } variable)
                return (map, variable);
        }
        return null;
    }

    /// <summary>Reads and parses the object at <paramref name="path"/>.</summary>
    public static BpfObjectFile Load(string path)
    {
        byte[] bytes;
        try
        {
            // A regular file only (a FIFO or /dev/zero is refused before any read), read as far as its size.
            var (handle, length) = InputFile.OpenRegular(path, "BPF object");
            using (handle)
            {
                if (length > Array.MaxLength)
                    throw new ElfFormatException(path, 0, $"file of {length} bytes is too large for a BPF object");
                bytes = InputFile.Read(handle, path, 0, (int)length);
            }
        }
        catch (InputFileException e)
        {
            throw new ElfFormatException(e.Message, e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses an object in memory; <paramref name="name"/> (a path or file name) gives the object name.</summary>
    public static BpfObjectFile Parse(ReadOnlyMemory<byte> bytes, string name)
    {
        var image = ElfImage.Parse(bytes, name);
        var obj = new BpfObjectFile(name, DeriveObjectName(name), image);
        try
        {
            obj.Build();
        }
        catch (BtfFormatException e)
        {
            throw new ElfFormatException(e.Section.Length > 0 ? e.Section : ".BTF", e.Offset, $"bad BTF: {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new ElfFormatException(".BTF", -1, $"a size in BTF overflows: {e.Message}", e);
        }
        return obj;
    }

    /// <summary>libbpf's <c>bpf_object__new</c>: basename, cut at the first '.', at most 15 characters.</summary>
    public static string DeriveObjectName(string path)
    {
        var name = BpfLimits.TruncateObjectName(System.IO.Path.GetFileName(path));
        var dot = name.IndexOf('.');
        return dot >= 0 ? name[..dot] : name;
    }

    /// <summary>
    /// libbpf's <c>internal_map_name</c>: up to 8 characters of the object name, then the section name (at least
    /// 7 characters reserved for it); custom sections like ".rodata.foo" keep their own name, cut to 15; characters
    /// the kernel refuses become '_'.
    /// </summary>
    public static string InternalMapName(string objectName, string sectionName)
    {
        var suffixLength = Math.Max(7, sectionName.Length);
        if (suffixLength >= BpfLimits.ObjectNameLength)
            suffixLength = BpfLimits.ObjectNameLength - 1;
        var prefixLength = sectionName.IndexOf('.', 1) >= 0 ? 0 : Math.Min(BpfLimits.ObjectNameLength - suffixLength - 1, objectName.Length);
        var combined = objectName[..prefixLength] + sectionName[..Math.Min(suffixLength, sectionName.Length)];
        var chars = BpfLimits.TruncateObjectName(combined).ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] == '_' || chars[i] == '.'))
                chars[i] = '_';
        }
        return new string(chars);
    }

    // ------------------------------------------------------------------------------------------------------

    private readonly List<ElfSection> _executableSections = [];
    private readonly List<(ElfSection Section, MapKind Kind)> _dataSections = [];
    private readonly List<ElfSection> _relocationSections = [];
    private ElfSection? _mapsRelocations;

    private void Build()
    {
        CollectSections();
        ParseBtf();
        Externs = ExternCollector.Collect(this);
        var maps = new List<MapDefinition>();
        if (MapsSectionIndex >= 0)
            maps.AddRange(BtfMapParser.Parse(this, Sections[MapsSectionIndex]));
        foreach (var (section, kind) in _dataSections)
            maps.Add(CreateDataMap(section, kind));
        if (CreateKconfigMap() is { } kconfig)
            maps.Add(kconfig);
        Maps = maps;
        CollectPrograms();
        foreach (var relocations in _relocationSections)
            RelocationCollector.Collect(this, relocations);
        if (_mapsRelocations is not null)
            BtfMapParser.CollectInitialSlots(this, _mapsRelocations);
    }

    /// <summary>bpf_object__elf_collect: what each section is for.</summary>
    private void CollectSections()
    {
        if (Image.SymbolTable is null)
            throw new ElfFormatException(Path, 0, "no symbol table (.symtab): stripped object file?");
        foreach (var section in Sections)
        {
            var name = section.Name;
            if (section.Index == 0 || IgnoredSection(section))
                continue;
            if (name == "license")
            {
                var data = section.Data.Span;
                var end = data.IndexOf((byte)0);
                License = Encoding.UTF8.GetString(end >= 0 ? data[..end] : data);
            }
            else if (name == "version")
            {
                if (section.Size != 4)
                    throw new ElfFormatException("version", 0, $"size {section.Size}, expected 4 (a u32 kernel version)");
                KernelVersion = BinaryPrimitives.ReadUInt32LittleEndian(section.Data.Span);
            }
            else if (name == "maps")
            {
                throw new ElfFormatException("maps", 0, "not supported: legacy 'maps' section (struct bpf_map_def), use BTF-defined maps in .maps");
            }
            else if (name == ".maps")
            {
                MapsSectionIndex = section.Index;
            }
            else if (name is ".BTF" or ".BTF.ext")
            {
                if (section.Type != ElfConstants.ShtProgBits)
                    throw new ElfFormatException(name, 0, $"section type {section.Type}, expected SHT_PROGBITS");
            }
            else if (section.Type == ElfConstants.ShtProgBits && section.Size > 0)
            {
                if (section.IsExecutable)
                {
                    if (name == ".text")
                        TextSectionIndex = section.Index;
                    _executableSections.Add(section);
                }
                else if (name == ".data" || name.StartsWith(".data.", StringComparison.Ordinal))
                {
                    _dataSections.Add((section, MapKind.Data));
                }
                else if (name == ".rodata" || name.StartsWith(".rodata.", StringComparison.Ordinal))
                {
                    _dataSections.Add((section, MapKind.ReadOnlyData));
                }
            }
            else if (section.Type == ElfConstants.ShtRel)
            {
                if (section.EntrySize != ElfConstants.RelSize)
                    throw new ElfFormatException(name, 0, $"sh_entsize {section.EntrySize}, expected {ElfConstants.RelSize} (Elf64_Rel)");
                if (section.Size % ElfConstants.RelSize != 0)
                    throw new ElfFormatException(name, 0, $"size {section.Size} is not a multiple of {ElfConstants.RelSize}");
                if (section.Link != Image.SymbolTable.Index)
                    throw new ElfFormatException(name, 0, $"sh_link {section.Link} is not the symbol table ({Image.SymbolTable.Index})");
                var target = Sections[(int)section.Info];
                if (target.IsExecutable)
                    _relocationSections.Add(section);
                else if (name == ".rel.maps")
                    _mapsRelocations = section;
            }
            else if (section.Type == ElfConstants.ShtNoBits && section.Size > 0
                && (name == ".bss" || name.StartsWith(".bss.", StringComparison.Ordinal)))
            {
                _dataSections.Add((section, MapKind.Bss));
            }
        }
    }

    /// <summary>libbpf's <c>ignore_elf_section</c>: string tables, addrsig, empty .text, DWARF and its relocations.</summary>
    private static bool IgnoredSection(ElfSection section)
    {
        const uint shtLlvmAddrsig = 0x6fff4c03;
        if (section.Type is ElfConstants.ShtStrTab or shtLlvmAddrsig or ElfConstants.ShtSymTab)
            return true;
        if (section.Type == ElfConstants.ShtProgBits && section.Size == 0 && section.Name == ".text")
            return true;
        var name = section.Name;
        if (name.StartsWith(".debug_", StringComparison.Ordinal))
            return true;
        if (name.StartsWith(".rel", StringComparison.Ordinal))
        {
            var target = name[4..];
            return target.StartsWith(".debug_", StringComparison.Ordinal) || target is ".BTF" or ".BTF.ext";
        }
        return false;
    }

    private void ParseBtf()
    {
        var btfSection = Sections.FirstOrDefault(s => s.Name == ".BTF");
        if (btfSection is not null)
            Btf = Btf.Parse(btfSection.Data, null, ".BTF");
        var extSection = Sections.FirstOrDefault(s => s.Name == ".BTF.ext");
        if (extSection is not null && Btf is not null)
            BtfExt = BtfExt.Parse(extSection.Data, Btf, ".BTF.ext");
        if (Btf is null && MapsSectionIndex >= 0)
            throw new ElfFormatException(".maps", 0, "BTF-defined maps need a .BTF section, which is missing");
    }

    /// <summary>The DATASEC named <paramref name="name"/> in the object BTF, or null.</summary>
    internal BtfType? FindDatasec(string name)
    {
        if (Btf is null)
            return null;
        var id = Btf.FindTypeId(name, BtfKind.Datasec);
        return id > 0 ? Btf.GetType(id) : null;
    }

    /// <summary>A DATASEC offset is a u32 (uapi <c>btf_var_secinfo.offset</c>); a larger st_value is a corrupt symbol.</summary>
    private static uint VariableOffset(string sectionName, string name, ElfSymbol symbol) =>
        symbol.Value <= uint.MaxValue ? (uint)symbol.Value
            : throw new ElfFormatException(sectionName, -1, $"symbol '{name}' has value 0x{symbol.Value:x}, past any section");

    /// <summary>
    /// The variables of DATASEC <paramref name="datasec"/> with libbpf's <c>btf_fixup_datasec</c> applied: a
    /// global's offset is its ELF symbol's value (clang leaves zeros), hidden globals count as static, sorted by offset.
    /// </summary>
    internal List<GlobalVariable> FixedVariables(BtfType datasec, ElfSection? section)
    {
        var btf = Btf!;
        var sectionName = datasec.Name;
        var variables = new List<GlobalVariable>(datasec.Vlen);
        var fixOffsets = datasec.Size == 0;
        foreach (var info in datasec.Variables)
        {
            var variable = btf.GetType(info.TypeId);
            if (variable.Kind != BtfKind.Var)
                throw new ElfFormatException(".BTF", -1, $"DATASEC '{sectionName}': member [{info.TypeId}] is {variable.Kind.ToUapiName()}, expected VAR");
            var name = variable.Name;
            var offset = info.Offset;
            var linkage = variable.Linkage;
            var hidden = false;
            if (linkage == BtfLinkage.Global)
            {
                var symbol = FindVariableSymbol(name)
                    ?? throw new ElfFormatException(sectionName, -1, $"no ELF symbol for BTF VAR '{name}'");
                if (fixOffsets)
                    offset = VariableOffset(sectionName, name, symbol);
                hidden = symbol.Visibility is ElfSymbolVisibility.Hidden or ElfSymbolVisibility.Internal;
            }
            else if (linkage == BtfLinkage.Static && fixOffsets && section is not null && FindLocalObject(name, section.Index) is { } local)
            {
                // libbpf leaves static VARs alone; their local symbol has the true offset when clang wrote 0.
                offset = VariableOffset(sectionName, name, local);
            }
            if (section is not null && !section.IsNoBits && (ulong)offset + info.Size > (ulong)section.Size)
                throw new ElfFormatException(sectionName, offset, $"variable '{name}' [{offset}, +{info.Size}) runs past the section ({section.Size} bytes)");
            if (section is not null && section.IsNoBits && (ulong)offset + info.Size > (ulong)section.Size)
                throw new ElfFormatException(sectionName, offset, $"variable '{name}' [{offset}, +{info.Size}) runs past the section ({section.Size} bytes)");
            variables.Add(new GlobalVariable(name, sectionName, offset, info.Size, variable.TypeId, info.TypeId,
                hidden ? BtfLinkage.Static : linkage, hidden));
        }
        variables.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        return variables;
    }

    /// <summary>libbpf's <c>find_elf_var_sym</c>: a GLOBAL or WEAK OBJECT symbol by name.</summary>
    internal ElfSymbol? FindVariableSymbol(string name)
    {
        foreach (var symbol in Symbols)
        {
            if (symbol.Type == ElfSymbolType.Object && symbol.Binding is ElfSymbolBinding.Global or ElfSymbolBinding.Weak && symbol.Name == name)
                return symbol;
        }
        return null;
    }

    private ElfSymbol? FindLocalObject(string name, int sectionIndex)
    {
        foreach (var symbol in Symbols)
        {
            if (symbol.Type == ElfSymbolType.Object && symbol.Binding == ElfSymbolBinding.Local && symbol.SectionIndex == sectionIndex && symbol.Name == name)
                return symbol;
        }
        return null;
    }

    /// <summary>bpf_object__init_internal_map for one data section.</summary>
    private MapDefinition CreateDataMap(ElfSection section, MapKind kind)
    {
        var datasec = FindDatasec(section.Name);
        var variables = datasec is { } d ? FixedVariables(d, section) : [];
        // Every data map is mmapable, as in libbpf 1.1 (the bpftool oracle here), so the loader can always map
        // .bss/.data into user space. libbpf 1.3+ drops the flag when every variable is static or hidden.
        var flags = BpfMapFlags.Mmapable | (kind == MapKind.ReadOnlyData ? BpfMapFlags.ReadOnlyProgram : BpfMapFlags.None);
        if (section.Size > ElfConstants.MaxMapValueSize)
            throw new ElfFormatException(section.Name, 0, $"size {section.Size} exceeds the largest map value the kernel accepts ({ElfConstants.MaxMapValueSize} bytes)");
        return new MapDefinition(InternalMapName(ObjectName, section.Name), kind)
        {
            RealName = section.Name,
            Type = BpfMapType.Array,
            KeySize = 4,
            ValueSize = (uint)section.Size,
            MaxEntries = 1,
            Flags = flags,
            ValueTypeId = datasec?.Id ?? 0,
            SectionIndex = section.Index,
            SectionOffset = 0,
            InitialValue = kind == MapKind.Bss ? ReadOnlyMemory<byte>.Empty : section.Data,
            ZeroedLength = kind == MapKind.Bss ? (int)section.Size : 0,
            Variables = variables,
        };
    }

    /// <summary>bpf_object__init_kconfig_map: one array map whose value holds every .kconfig extern.</summary>
    private MapDefinition? CreateKconfigMap()
    {
        BpfExtern? last = null;
        foreach (var external in Externs)
        {
            if (external.Kind == ExternKind.Kconfig)
                last = external;
        }
        if (last is null)
            return null;
        var size = checked(last.KconfigOffset + last.KconfigSize);
        var datasec = FindDatasec(".kconfig");
        var variables = StableOrder.ByKey(Externs.Where(e => e.Kind == ExternKind.Kconfig)
            .Select(e => new GlobalVariable(e.Name, ".kconfig", (uint)e.KconfigOffset, (uint)e.KconfigSize, Btf!.GetType(e.BtfId).TypeId, e.BtfId, BtfLinkage.Global, false))
            .ToList(), v => v.Offset);
        return new MapDefinition(InternalMapName(ObjectName, ".kconfig"), MapKind.Kconfig)
        {
            RealName = ".kconfig",
            Type = BpfMapType.Array,
            KeySize = 4,
            ValueSize = (uint)size,
            MaxEntries = 1,
            Flags = BpfMapFlags.ReadOnlyProgram | BpfMapFlags.Mmapable,
            ValueTypeId = datasec?.Id ?? 0,
            SectionIndex = Image.SymbolTable!.Index,
            ZeroedLength = size,
            Variables = variables,
        };
    }

    /// <summary>bpf_object__add_programs for every executable section.</summary>
    private void CollectPrograms()
    {
        var sections = new List<ProgramSection>();
        var functions = new List<BpfProgram>();
        foreach (var section in _executableSections)
        {
            if (section.Size % BpfInstruction.Size != 0)
                throw new ElfFormatException(section.Name, 0, $"size {section.Size} is not a multiple of {BpfInstruction.Size} (struct bpf_insn)");
            var instructions = MemoryMarshal.Cast<byte, BpfInstruction>(section.Data.Span).ToArray();
            var programSection = new ProgramSection(section, instructions)
            {
                Info = section.Name == ".text" ? null : ProgramSectionDefinitions.Classify(section.Name),
            };
            var programs = new List<BpfProgram>();
            foreach (var symbol in Symbols)
            {
                if (symbol.SectionIndex != section.Index || symbol.Type != ElfSymbolType.Func)
                    continue;
                var offset = symbol.Value;
                var size = symbol.Size;
                if (offset + size > (ulong)section.Size || offset + size < offset)
                    throw new ElfFormatException(section.Name, (long)Math.Min(offset, long.MaxValue), $"program '{symbol.Name}' [{offset}, +{size}) crosses the section boundary ({section.Size} bytes)");
                if (section.Index != TextSectionIndex && symbol.Binding == ElfSymbolBinding.Local)
                    throw new ElfFormatException(section.Name, (long)offset, $"program '{symbol.Name}' is static: outside .text a program must be a global function");
                if (size == 0 || size % BpfInstruction.Size != 0 || offset % BpfInstruction.Size != 0)
                    throw new ElfFormatException(section.Name, (long)offset, $"corrupted program '{symbol.Name}': offset {offset}, size {size}");
                programs.Add(new BpfProgram(programSection, symbol, (int)(offset / BpfInstruction.Size), (int)(size / BpfInstruction.Size)));
            }
            programs.Sort((a, b) => a.InstructionOffset.CompareTo(b.InstructionOffset));
            programSection.Programs = programs;
            sections.Add(programSection);
            functions.AddRange(programs);
        }
        ProgramSections = sections;
        Functions = functions;
    }

    internal ProgramSection? ProgramSectionAt(int sectionIndex) => ProgramSections.FirstOrDefault(s => s.SectionIndex == sectionIndex);
}
