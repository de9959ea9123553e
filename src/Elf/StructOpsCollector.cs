using System.Buffers.Binary;
using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>
/// libbpf's <c>init_struct_ops_maps</c> and <c>bpf_object__collect_st_ops_relos</c>: one BPF_MAP_TYPE_STRUCT_OPS
/// map per variable of <c>.struct_ops</c> (and of <c>.struct_ops.link</c>, with BPF_F_LINK), its value the
/// variable's bytes, each function pointer the relocations set bound to the struct_ops program it names.
/// </summary>
internal static class StructOpsCollector
{
    public const string Section = ".struct_ops";
    public const string LinkSection = ".struct_ops.link";

    /// <summary>The struct_ops maps of every struct_ops section, in section and then variable order.</summary>
    public static List<MapDefinition> Collect(ObjectBtf objectBtf, ObjectSections sections, IReadOnlyList<ProgramSection> programs)
    {
        var maps = new List<MapDefinition>();
        foreach (var (section, relocations) in sections.StructOps)
        {
            var btf = objectBtf.Btf ?? throw new ElfFormatException(section.Name, 0, "struct_ops maps need a .BTF section, which is missing");
            var datasec = objectBtf.FindDatasec(section.Name)
                ?? throw new ElfFormatException(".BTF", -1, $"DATASEC {section.Name} not found");
            var inSection = new List<(GlobalVariable Variable, BtfType Struct, StructOpsFunction?[] Functions)>();
            foreach (var variable in objectBtf.FixedVariables(datasec, section))
            {
                var type = btf.SkipModifiersAndTypedefs(variable.TypeId);
                if (type.Name.Length == 0)
                    throw new ElfFormatException(section.Name, variable.Offset, $"variable '{variable.Name}': an anonymous struct_ops type is not supported");
                if (type.Kind != BtfKind.Struct)
                    throw new ElfFormatException(section.Name, variable.Offset, $"variable '{variable.Name}': {type.Name} is not a struct");
                if (variable.Offset + type.Size > (ulong)section.Size)
                    throw new ElfFormatException(section.Name, variable.Offset, $"variable '{variable.Name}' runs past the end of the section");
                inSection.Add((variable, type, new StructOpsFunction?[type.Vlen]));
            }
            if (relocations is not null)
                CollectRelocations(section, relocations, objectBtf, programs, inSection);
            foreach (var (variable, type, functions) in inSection)
            {
                maps.Add(new MapDefinition(variable.Name, MapKind.StructOps)
                {
                    RealName = variable.Name,
                    Type = BpfMapType.StructOps,
                    KeySize = 4,
                    ValueSize = type.Size,
                    MaxEntries = 1,
                    Flags = section.Name == LinkSection ? BpfMapFlags.Link : BpfMapFlags.None,
                    SectionIndex = section.Index,
                    SectionOffset = variable.Offset,
                    SectionSize = type.Size,
                    BtfVarTypeId = variable.VarTypeId,
                    InitialValue = section.Data.Slice((int)variable.Offset, (int)type.Size),
                    StructOps = new StructOpsDefinition(type.Name, type.Id, functions.OfType<StructOpsFunction>().ToArray()),
                });
            }
        }
        // A program may serve several maps, as long as it is the same member of the same struct (libbpf's check).
        var uses = new Dictionary<string, (int TypeId, int MemberIndex, MapDefinition Map)>(StringComparer.Ordinal);
        foreach (var map in maps)
        {
            foreach (var function in map.StructOps!.Functions)
            {
                if (uses.TryAdd(function.ProgramName, (map.StructOps.TypeId, function.MemberIndex, map)))
                    continue;
                var first = uses[function.ProgramName];
                if ((first.TypeId, first.MemberIndex) != (map.StructOps.TypeId, function.MemberIndex))
                    throw new ElfFormatException(objectBtf.Sections[map.SectionIndex].Name, map.SectionOffset,
                        $"struct_ops '{map.Name}': program '{function.ProgramName}' for member '{function.MemberName}' already implements another member in '{first.Map.Name}'");
            }
        }
        return maps;
    }

    /// <summary>Each relocation sets one function pointer of one variable to a struct_ops program.</summary>
    private static void CollectRelocations(ElfSection section, ElfSection relocations, ObjectBtf objectBtf, IReadOnlyList<ProgramSection> programs,
        List<(GlobalVariable Variable, BtfType Struct, StructOpsFunction?[] Functions)> variables)
    {
        var btf = objectBtf.Btf!;
        var data = relocations.Data.Span;
        for (var at = 0; at + ElfConstants.RelSize <= data.Length; at += ElfConstants.RelSize)
        {
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(data[at..]);
            var symbolIndex = BinaryPrimitives.ReadUInt64LittleEndian(data[(at + 8)..]) >> 32;
            if (symbolIndex >= (ulong)objectBtf.Symbols.Count)
                throw new ElfFormatException(relocations.Name, at + 8, $"symbol index {symbolIndex} is out of range");
            var symbol = objectBtf.Symbols[(int)symbolIndex];
            var owner = variables.FindIndex(v => offset >= v.Variable.Offset && offset - v.Variable.Offset < v.Struct.Size);
            if (owner < 0)
                throw new ElfFormatException(section.Name, (long)Math.Min(offset, long.MaxValue), $"relocation against '{symbol.Name}' is in no struct_ops variable");
            var (variable, type, functions) = variables[owner];
            Exception Bad(string problem) => new ElfFormatException(section.Name, (long)offset, $"struct_ops '{variable.Name}': {problem}");
            if (symbol.IsUndefined || symbol.IsInSpecialSection)
                throw Bad($"'{symbol.Name}' is not a function of this object");
            if (symbol.Value % BpfInstruction.Size != 0)
                throw Bad($"'{symbol.Name}' is at offset {symbol.Value}, not an instruction");
            var memberOffset = (uint)(offset - variable.Offset) * 8;
            var memberIndex = -1;
            for (var i = 0; i < type.Members.Count; i++)
            {
                if (type.Members[i].BitOffset == memberOffset)
                    memberIndex = i;
            }
            if (memberIndex < 0)
                throw Bad($"no member at byte {memberOffset / 8}");
            var member = type.Members[memberIndex];
            var pointer = btf.SkipModifiersAndTypedefs(member.TypeId);
            if (pointer.Kind != BtfKind.Ptr || btf.SkipModifiersAndTypedefs(pointer.TypeId).Kind != BtfKind.FuncProto)
                throw Bad($"member '{member.Name}' is not a function pointer");
            var instruction = (int)(symbol.Value / BpfInstruction.Size);
            var program = programs.FirstOrDefault(s => s.SectionIndex == symbol.SectionIndex)?.Programs
                .FirstOrDefault(p => !p.IsSubprogram && instruction >= p.InstructionOffset && instruction < p.InstructionOffset + p.InstructionCount)
                ?? throw Bad($"no program at '{symbol.Name}' for member '{member.Name}'");
            if (program.Info?.ProgramType != BpfProgramType.StructOps)
                throw Bad($"program '{program.Name}' (section '{program.SectionName}') is not a struct_ops program");
            functions[memberIndex] = new StructOpsFunction(memberIndex, member.Name, program.Name);
        }
    }
}

/// <summary>
/// What a struct_ops map implements: the kernel struct by name (e.g. <c>tcp_congestion_ops</c>), its type in the
/// object's BTF, and which program each function pointer member is set to.
/// </summary>
public sealed record StructOpsDefinition(string TypeName, int TypeId, IReadOnlyList<StructOpsFunction> Functions);

/// <summary>One function pointer of a struct_ops variable: the member (by its index in the object's struct) and the program.</summary>
public sealed record StructOpsFunction(int MemberIndex, string MemberName, string ProgramName);
