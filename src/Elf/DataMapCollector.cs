using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>libbpf's internal maps: one array per global data section (<c>bpf_object__init_internal_map</c>) and one for .kconfig.</summary>
internal static class DataMapCollector
{
    /// <summary>The data maps in section order, then the .kconfig map when the object has .kconfig externs.</summary>
    public static List<MapDefinition> Collect(string objectName, ObjectBtf objectBtf, ObjectSections sections,
        IReadOnlyList<BpfExtern> externs, int symbolTableIndex)
    {
        var maps = new List<MapDefinition>();
        foreach (var (section, kind) in sections.Data)
            maps.Add(DataMap(objectName, objectBtf, section, kind));
        if (KconfigMap(objectName, objectBtf, externs, symbolTableIndex) is { } kconfig)
            maps.Add(kconfig);
        return maps;
    }

    /// <summary>bpf_object__init_internal_map for one data section.</summary>
    private static MapDefinition DataMap(string objectName, ObjectBtf objectBtf, ElfSection section, MapKind kind)
    {
        var datasec = objectBtf.FindDatasec(section.Name);
        var variables = datasec is { } d ? objectBtf.FixedVariables(d, section) : [];
        // Every data map is mmapable, as in libbpf 1.1 (the bpftool oracle here), so the loader can always map
        // .bss/.data into user space. libbpf 1.3+ drops the flag when every variable is static or hidden.
        var flags = BpfMapFlags.Mmapable | (kind == MapKind.ReadOnlyData ? BpfMapFlags.ReadOnlyProgram : BpfMapFlags.None);
        if (section.Size > ElfConstants.MaxMapValueSize)
            throw new ElfFormatException(section.Name, 0, $"size {section.Size} exceeds the largest map value the kernel accepts ({ElfConstants.MaxMapValueSize} bytes)");
        return new MapDefinition(BpfObjectFile.InternalMapName(objectName, section.Name), kind)
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
    private static MapDefinition? KconfigMap(string objectName, ObjectBtf objectBtf, IReadOnlyList<BpfExtern> externs, int symbolTableIndex)
    {
        BpfExtern? last = null;
        foreach (var external in externs)
        {
            if (external.Kind == ExternKind.Kconfig)
                last = external;
        }
        if (last is null)
            return null;
        var size = checked(last.KconfigOffset + last.KconfigSize);
        var datasec = objectBtf.FindDatasec(".kconfig");
        var btf = objectBtf.Btf!;
        var variables = externs.Where(e => e.Kind == ExternKind.Kconfig)
            .Select(e => new GlobalVariable(e.Name, ".kconfig", (uint)e.KconfigOffset, (uint)e.KconfigSize, btf.GetType(e.BtfId).TypeId, e.BtfId, BtfLinkage.Global, false))
            .OrderBy(v => v.Offset).ToArray();
        return new MapDefinition(BpfObjectFile.InternalMapName(objectName, ".kconfig"), MapKind.Kconfig)
        {
            RealName = ".kconfig",
            Type = BpfMapType.Array,
            KeySize = 4,
            ValueSize = (uint)size,
            MaxEntries = 1,
            Flags = BpfMapFlags.ReadOnlyProgram | BpfMapFlags.Mmapable,
            ValueTypeId = datasec?.Id ?? 0,
            SectionIndex = symbolTableIndex,
            ZeroedLength = size,
            Variables = variables,
        };
    }
}
