using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>
/// The object model of a clang-built EM_BPF ELF, read as libbpf's <c>bpf_object__open</c> reads it (aya-obj is
/// the same idea in Rust): programs per executable section, BTF-defined maps from <c>.maps</c>, one internal
/// array map per global data section, externs, and each program section's relocations classified. Pure: it
/// parses bytes (the Loader's <c>BpfObject.Open</c> reads the file).
/// </summary>
public sealed class BpfObjectFile
{
    private BpfObjectFile(string path, string objectName, ElfImage image, ObjectSections sections, ObjectBtf objectBtf,
        IReadOnlyList<BpfExtern> externs, IReadOnlyList<MapDefinition> maps, IReadOnlyList<ProgramSection> programSections)
    {
        Path = path;
        ObjectName = objectName;
        Image = image;
        ObjectBtf = objectBtf;
        License = sections.License;
        KernelVersion = sections.KernelVersion;
        TextSectionIndex = sections.TextSectionIndex;
        MapsSectionIndex = sections.MapsSectionIndex;
        Externs = externs;
        Maps = maps;
        ProgramSections = programSections;
        Functions = programSections.SelectMany(s => s.Programs).ToArray();
    }

    internal ElfImage Image { get; }

    /// <summary>The object BTF with the symbols, for the passes after parsing (<see cref="BtfFixup"/>).</summary>
    internal ObjectBtf ObjectBtf { get; }

    /// <summary>The path or name given to <see cref="Parse"/>.</summary>
    public string Path { get; }

    /// <summary>libbpf's object name: the file name up to its first '.', at most 15 characters (prefix of internal map names).</summary>
    public string ObjectName { get; }

    public IReadOnlyList<ElfSection> Sections => Image.Sections;
    public IReadOnlyList<ElfSymbol> Symbols => Image.Symbols;

    /// <summary>SEC("license"), up to its first NUL; "" when absent.</summary>
    public string License { get; }

    /// <summary>SEC("version") as a u32, or null (libbpf 1.x ignores it and takes the running kernel's version).</summary>
    public uint? KernelVersion { get; }

    /// <summary>The <c>.BTF</c> section, or null when the object has none.</summary>
    public Btf? Btf => ObjectBtf.Btf;

    /// <summary>The <c>.BTF.ext</c> section (func_info, line_info, CO-RE relocations), or null.</summary>
    public BtfExt? BtfExt => ObjectBtf.BtfExt;

    /// <summary>Executable sections in section order, .text included when it has code.</summary>
    public IReadOnlyList<ProgramSection> ProgramSections { get; }

    /// <summary>Every function of every executable section: entry points and .text subprograms.</summary>
    public IReadOnlyList<ProgramDefinition> Functions { get; }

    /// <summary>The entry points libbpf would load (functions outside .text).</summary>
    public IEnumerable<ProgramDefinition> Programs => Functions.Where(f => !f.IsSubprogram);

    /// <summary>Maps in libbpf's order: BTF-defined maps, then data sections in section order, then .kconfig.</summary>
    public IReadOnlyList<MapDefinition> Maps { get; }

    /// <summary>The internal maps of data sections (.rodata*, .data*, .bss*), with their variables.</summary>
    public IEnumerable<MapDefinition> DataMaps => Maps.Where(m => m.Kind is MapKind.Data or MapKind.ReadOnlyData or MapKind.Bss);

    /// <summary>Externs sorted as libbpf sorts them (kconfig first, by alignment desc, size asc, name; then ksyms by name).</summary>
    public IReadOnlyList<BpfExtern> Externs { get; }

    /// <summary>Index of <c>.text</c>, or -1.</summary>
    public int TextSectionIndex { get; }

    /// <summary>Index of <c>.maps</c>, or -1.</summary>
    public int MapsSectionIndex { get; }

    public ProgramDefinition? FindProgram(string name) => Functions.FirstOrDefault(f => f.Name == name);
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

    /// <summary>Parses an object in memory; <paramref name="name"/> (a path or file name) gives the object name.</summary>
    public static BpfObjectFile Parse(ReadOnlyMemory<byte> bytes, string name)
    {
        var image = ElfImage.Parse(bytes, name);
        try
        {
            return Build(image, name);
        }
        catch (BtfFormatException e)
        {
            throw new ElfFormatException(e.Section.Length > 0 ? e.Section : ".BTF", e.Offset, $"bad BTF: {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new ElfFormatException(".BTF", -1, $"a size in BTF overflows: {e.Message}", e);
        }
    }

    /// <summary>
    /// libbpf's <c>bpf_object__open</c> as passes, each a function of the results before it: sections, BTF,
    /// externs, programs, maps (their .rel.maps slots need the programs), then the relocations against all of them.
    /// </summary>
    private static BpfObjectFile Build(ElfImage image, string path)
    {
        var objectName = DeriveObjectName(path);
        var sections = ObjectSections.Collect(image, path);
        var objectBtf = ObjectBtf.Parse(image, sections);
        var externs = ExternCollector.Collect(image.Symbols, objectBtf.Btf);
        var btfMaps = sections.MapsSectionIndex >= 0 ? BtfMapParser.Parse(objectBtf, image.Sections[sections.MapsSectionIndex]) : [];
        var maps = btfMaps.Concat(DataMapCollector.Collect(objectName, objectBtf, sections, externs, image.SymbolTable!.Index)).ToList();
        var programSections = ProgramCollector.Collect(sections, image.Symbols);
        if (sections.MapsRelocations is { } mapsRelocations)
        {
            var functions = programSections.SelectMany(s => s.Programs).ToList();
            var slots = BtfMapParser.CollectInitialSlots(objectBtf, sections.MapsSectionIndex, maps, functions, mapsRelocations);
            maps = maps.Select(m => slots.TryGetValue(m, out var initial) ? m.WithInitialSlots(initial) : m).ToList();
        }
        maps.AddRange(StructOpsCollector.Collect(objectBtf, sections, programSections));
        var targets = new RelocationTargets(image.Sections, image.Symbols, programSections, maps, externs,
            sections.TextSectionIndex, sections.MapsSectionIndex);
        // Two .rel sections for one program section: the later one is the section's relocations, as before.
        var relocations = new Dictionary<ProgramSection, IReadOnlyList<BpfRelocation>>();
        foreach (var relocationSection in sections.ProgramRelocations)
        {
            if (RelocationCollector.Collect(targets, relocationSection) is var (target, list))
                relocations[target] = list;
        }
        foreach (var (target, list) in relocations)
            target.AttachRelocations(list);
        return new BpfObjectFile(path, objectName, image, sections, objectBtf, externs, maps, programSections);
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
}
