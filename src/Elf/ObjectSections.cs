using System.Buffers.Binary;
using System.Text;

namespace RawBpf.Elf;

/// <summary>
/// libbpf's <c>bpf_object__elf_collect</c>: what each section of the object is for. The first pass of
/// <see cref="BpfObjectFile"/>; the later passes take their sections from here.
/// </summary>
internal sealed record ObjectSections(
    string License,
    uint? KernelVersion,
    int TextSectionIndex,
    int MapsSectionIndex,
    IReadOnlyList<ElfSection> Executable,
    IReadOnlyList<(ElfSection Section, MapKind Kind)> Data,
    IReadOnlyList<ElfSection> ProgramRelocations,
    ElfSection? MapsRelocations,
    IReadOnlyList<(ElfSection Section, ElfSection? Relocations)> StructOps)
{
    public static ObjectSections Collect(ElfImage image, string path)
    {
        var symbolTable = image.SymbolTable
            ?? throw new ElfFormatException(path, 0, "no symbol table (.symtab): stripped object file?");
        var license = "";
        uint? kernelVersion = null;
        var textIndex = -1;
        var mapsIndex = -1;
        var executable = new List<ElfSection>();
        var data = new List<(ElfSection, MapKind)>();
        var programRelocations = new List<ElfSection>();
        ElfSection? mapsRelocations = null;
        var structOps = new List<ElfSection>();
        var structOpsRelocations = new Dictionary<int, ElfSection>();
        foreach (var section in image.Sections)
        {
            var name = section.Name;
            if (section.Index == 0 || IgnoredSection(section))
                continue;
            if (name == "license")
            {
                var bytes = section.Data.Span;
                var end = bytes.IndexOf((byte)0);
                license = Encoding.UTF8.GetString(end >= 0 ? bytes[..end] : bytes);
            }
            else if (name == "version")
            {
                if (section.Size != 4)
                    throw new ElfFormatException("version", 0, $"size {section.Size}, expected 4 (a u32 kernel version)");
                kernelVersion = BinaryPrimitives.ReadUInt32LittleEndian(section.Data.Span);
            }
            else if (name == "maps")
            {
                throw new ElfFormatException("maps", 0, "not supported: legacy 'maps' section (struct bpf_map_def), use BTF-defined maps in .maps");
            }
            else if (name == ".maps")
            {
                mapsIndex = section.Index;
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
                        textIndex = section.Index;
                    executable.Add(section);
                }
                else if (name == ".data" || name.StartsWith(".data.", StringComparison.Ordinal))
                {
                    data.Add((section, MapKind.Data));
                }
                else if (name == ".rodata" || name.StartsWith(".rodata.", StringComparison.Ordinal))
                {
                    data.Add((section, MapKind.ReadOnlyData));
                }
                else if (name is StructOpsCollector.Section or StructOpsCollector.LinkSection)
                {
                    structOps.Add(section);
                }
            }
            else if (section.Type == ElfConstants.ShtRel)
            {
                if (section.EntrySize != ElfConstants.RelSize)
                    throw new ElfFormatException(name, 0, $"sh_entsize {section.EntrySize}, expected {ElfConstants.RelSize} (Elf64_Rel)");
                if (section.Size % ElfConstants.RelSize != 0)
                    throw new ElfFormatException(name, 0, $"size {section.Size} is not a multiple of {ElfConstants.RelSize}");
                if (section.Link != symbolTable.Index)
                    throw new ElfFormatException(name, 0, $"sh_link {section.Link} is not the symbol table ({symbolTable.Index})");
                var target = image.Sections[(int)section.Info];
                if (target.IsExecutable)
                    programRelocations.Add(section);
                else if (name == ".rel.maps")
                    mapsRelocations = section;
                else if (name is ".rel" + StructOpsCollector.Section or ".rel" + StructOpsCollector.LinkSection)
                    structOpsRelocations[(int)section.Info] = section;
            }
            else if (section.Type == ElfConstants.ShtNoBits && section.Size > 0
                && (name == ".bss" || name.StartsWith(".bss.", StringComparison.Ordinal)))
            {
                data.Add((section, MapKind.Bss));
            }
        }
        return new ObjectSections(license, kernelVersion, textIndex, mapsIndex, executable, data, programRelocations, mapsRelocations,
            structOps.Select(s => (s, structOpsRelocations.GetValueOrDefault(s.Index))).ToList());
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
}
