using System.Buffers.Binary;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>
/// Reads the <c>Elf64_Rel</c> entries of a program section's <c>.rel&lt;name&gt;</c> and classifies each as
/// libbpf's <c>bpf_object__collect_prog_relos</c> and <c>bpf_program__record_reloc</c> do.
/// </summary>
internal static class RelocationCollector
{
    /// <summary>The relocations of <paramref name="relocationSection"/> and the program section they apply to, or null.</summary>
    public static (ProgramSection Target, IReadOnlyList<BpfRelocation> Relocations)? Collect(RelocationTargets obj, ElfSection relocationSection)
    {
        var target = obj.ProgramSectionAt((int)relocationSection.Info);
        if (target is null)
            return null;   // an empty executable section has nothing to relocate
        var instructions = target.InstructionArray;
        var sectionSize = (ulong)instructions.Length * BpfInstruction.Size;
        var data = relocationSection.Data.Span;
        var relocations = new List<BpfRelocation>(data.Length / ElfConstants.RelSize);
        for (var i = 0; i * ElfConstants.RelSize < data.Length; i++)
        {
            var at = i * ElfConstants.RelSize;
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(data[at..]);                 // r_offset
            var info = BinaryPrimitives.ReadUInt64LittleEndian(data[(at + 8)..]);           // r_info
            var symbolIndex = info >> 32;                                                     // ELF64_R_SYM
            var type = (uint)(info & 0xffffffff);                                             // ELF64_R_TYPE
            if (symbolIndex >= (ulong)obj.Symbols.Count)
                throw new ElfFormatException(relocationSection.Name, at + 8, $"relocation #{i}: symbol index {symbolIndex} is out of range ({obj.Symbols.Count} symbols)");
            if (offset % BpfInstruction.Size != 0 || offset >= sectionSize)
                throw new ElfFormatException(target.Name, (long)Math.Min(offset, long.MaxValue), $"relocation #{i} ({relocationSection.Name}): offset 0x{offset:x} is not an instruction of the section ({sectionSize} bytes)");
            var symbol = obj.Symbols[(int)symbolIndex];
            var name = symbol.Type == ElfSymbolType.Section && symbol.Name.Length == 0 && symbol.SectionIndex < obj.Sections.Count
                ? obj.Sections[symbol.SectionIndex].Name
                : symbol.Name;
            relocations.Add(Classify(obj, target, (int)(offset / BpfInstruction.Size), type, symbol, name));
        }
        return (target, relocations);
    }

    private static BpfRelocation Classify(RelocationTargets obj, ProgramSection section, int index, uint type, ElfSymbol symbol, string name)
    {
        var instructions = section.InstructionArray;
        var instruction = instructions[index];
        var byteOffset = (long)index * BpfInstruction.Size;
        ElfFormatException Bad(string problem) => new(section.Name, byteOffset, $"relocation against '{name}' on instruction #{index}: {problem}");

        var isCall = instruction.Opcode == (BpfOpcode.ClassJmp | BpfOpcode.JumpCall);
        var isLoad64 = instruction.IsLoadImmediate64;
        if (!isCall && !isLoad64)
            throw Bad($"instruction code 0x{instruction.Opcode:x2} is neither ldimm64 nor call");
        if (isLoad64 && index + 1 >= instructions.Length)
            throw Bad("ldimm64 is missing its second slot");

        // sym_is_extern: undefined NOTYPE GLOBAL/WEAK.
        if (symbol.IsUndefined && symbol.Type == ElfSymbolType.NoType && symbol.Binding is ElfSymbolBinding.Global or ElfSymbolBinding.Weak)
        {
            var external = obj.Externs.FirstOrDefault(e => e.SymbolIndex == symbol.Index)
                ?? throw Bad("extern symbol has no extern definition");
            if (isCall)
            {
                if (!external.IsFunction)
                    throw Bad($"call of extern '{external.Name}', which is not a function");
                return new BpfRelocation(section.Name, index, type, symbol, RelocationKind.ExternCall) { SymbolName = name, Extern = external };
            }
            var kconfig = external.Kind == ExternKind.Kconfig ? obj.Maps.FirstOrDefault(m => m.Kind == MapKind.Kconfig) : null;
            return new BpfRelocation(section.Name, index, type, symbol, RelocationKind.ExternLoad)
            {
                SymbolName = name,
                Extern = external,
                Map = kconfig,
                DataOffset = kconfig is null ? 0 : external.KconfigOffset,
            };
        }

        if (isCall)
        {
            if (instruction.SourceRegister != BpfOpcode.PseudoCall)
                throw Bad($"call with src_reg {instruction.SourceRegister}, expected BPF_PSEUDO_CALL");
            if (symbol.SectionIndex == 0 || symbol.SectionIndex != obj.TextSectionIndex)
                throw Bad($"call target is in section #{symbol.SectionIndex}, not .text");
            if (symbol.Value % BpfInstruction.Size != 0)
                throw Bad($"call target offset {symbol.Value} is not instruction-aligned");
            // libbpf: sub_insn_idx = sym_off / 8 + imm + 1 (a global target has imm -1, a static one its offset in imm).
            var targetIndex = (long)(symbol.Value / BpfInstruction.Size) + instruction.Immediate + 1;
            var textIndex = CheckTextIndex(obj, targetIndex, Bad);
            return new BpfRelocation(section.Name, index, type, symbol, RelocationKind.SubprogramCall)
            {
                SymbolName = name,
                TargetInstructionIndex = textIndex,
                TargetFunction = FunctionAt(obj, textIndex),
            };
        }

        if (symbol.SectionIndex == 0 || symbol.SectionIndex >= ElfConstants.ShnLoReserve)
            throw Bad($"symbol is in special section 0x{symbol.SectionIndex:x}; forgot to initialize a global variable?");

        // sym_is_subprog: the .text section symbol (a static function) or a GLOBAL FUNC in .text.
        if (symbol.SectionIndex == obj.TextSectionIndex
            && ((symbol.Binding == ElfSymbolBinding.Local && symbol.Type == ElfSymbolType.Section)
                || (symbol.Binding == ElfSymbolBinding.Global && symbol.Type == ElfSymbolType.Func)))
        {
            if (symbol.Value % BpfInstruction.Size != 0 || instruction.Immediate % BpfInstruction.Size != 0)
                throw Bad($"function address {symbol.Value}+{instruction.Immediate} is not instruction-aligned");
            var targetIndex = ((long)symbol.Value + instruction.Immediate) / BpfInstruction.Size;
            var textIndex = CheckTextIndex(obj, targetIndex, Bad);
            return new BpfRelocation(section.Name, index, type, symbol, RelocationKind.SubprogramAddress)
            {
                SymbolName = name,
                TargetInstructionIndex = textIndex,
                TargetFunction = FunctionAt(obj, textIndex),
            };
        }

        if (symbol.SectionIndex == obj.MapsSectionIndex)
        {
            var map = obj.Maps.FirstOrDefault(m => m.Kind == MapKind.BtfDefined && (ulong)m.SectionOffset == symbol.Value)
                ?? throw Bad($"no map at .maps offset {symbol.Value}");
            return new BpfRelocation(section.Name, index, type, symbol, RelocationKind.MapReference) { SymbolName = name, Map = map };
        }

        var dataMap = obj.Maps.FirstOrDefault(m => m.Kind is MapKind.Data or MapKind.ReadOnlyData or MapKind.Bss && m.SectionIndex == symbol.SectionIndex);
        if (dataMap is null)
        {
            var sectionName = symbol.SectionIndex < obj.Sections.Count ? obj.Sections[symbol.SectionIndex].Name : $"#{symbol.SectionIndex}";
            throw Bad($"symbol is in section '{sectionName}', which is neither .maps nor a data section");
        }
        if (!isLoad64)
            throw Bad("a data reference must be ldimm64");
        // libbpf: insn[1].imm = insn[0].imm + sym->st_value.
        var dataOffset = (long)instruction.Immediate + (long)symbol.Value;
        if (dataOffset < 0 || dataOffset > dataMap.ValueSize)
            throw Bad($"offset {dataOffset} is outside '{dataMap.RealName}' ({dataMap.ValueSize} bytes)");
        return new BpfRelocation(section.Name, index, type, symbol, RelocationKind.GlobalData)
        {
            SymbolName = name,
            Map = dataMap,
            DataOffset = dataOffset,
        };
    }

    private static int CheckTextIndex(RelocationTargets obj, long targetIndex, Func<string, ElfFormatException> bad)
    {
        var text = obj.ProgramSectionAt(obj.TextSectionIndex)
            ?? throw bad(".text has no code");
        if (targetIndex < 0 || targetIndex >= text.InstructionArray.Length)
            throw bad($"target instruction {targetIndex} is outside .text ({text.InstructionArray.Length} instructions)");
        return (int)targetIndex;
    }

    /// <summary>The .text function that starts at <paramref name="targetIndex"/>, if any.</summary>
    private static ProgramDefinition? FunctionAt(RelocationTargets obj, int targetIndex) =>
        obj.ProgramSectionAt(obj.TextSectionIndex)?.Programs.FirstOrDefault(p => p.InstructionOffset == targetIndex);
}

/// <summary>What relocations are classified against: the results of the passes before them.</summary>
internal sealed record RelocationTargets(IReadOnlyList<ElfSection> Sections, IReadOnlyList<ElfSymbol> Symbols,
    IReadOnlyList<ProgramSection> ProgramSections, IReadOnlyList<MapDefinition> Maps, IReadOnlyList<BpfExtern> Externs,
    int TextSectionIndex, int MapsSectionIndex)
{
    public ProgramSection? ProgramSectionAt(int sectionIndex) => ProgramSections.FirstOrDefault(s => s.SectionIndex == sectionIndex);
}
