using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>
/// An executable section (SHF_EXECINSTR) with its instructions, the functions in it and the relocations from
/// <c>.rel&lt;name&gt;</c>. Instruction indexes in relocations count from the start of this section.
/// </summary>
public sealed class ProgramSection
{
    /// <param name="functions">Each function's symbol and instruction range, sorted by offset.</param>
    internal ProgramSection(ElfSection section, BpfInstruction[] instructions, ProgramSectionInfo? info,
        IEnumerable<(ElfSymbol Symbol, int Offset, int Count)> functions)
    {
        Name = section.Name;
        SectionIndex = section.Index;
        InstructionArray = instructions;
        Info = info;
        Programs = functions.Select(f => new ProgramDefinition(this, f.Symbol, f.Offset, f.Count)).ToArray();
    }

    public string Name { get; }
    public int SectionIndex { get; }

    internal BpfInstruction[] InstructionArray { get; }

    public ReadOnlyMemory<BpfInstruction> Instructions => InstructionArray;

    /// <summary>True for <c>.text</c>, whose functions are subprograms, not programs loaded on their own.</summary>
    public bool IsText => Name == ".text";

    /// <summary>The section name's classification, or null (.text, or a name libbpf does not know).</summary>
    public ProgramSectionInfo? Info { get; }

    public IReadOnlyList<ProgramDefinition> Programs { get; }

    /// <summary>Classified <c>.rel&lt;name&gt;</c> entries; they point back at this section's functions, so they come after it.</summary>
    public IReadOnlyList<BpfRelocation> Relocations { get; private set; } = [];

    private bool _relocationsAttached;

    /// <summary>Sets <see cref="Relocations"/>, once: what the relocation pass returned for this section.</summary>
    internal void AttachRelocations(IReadOnlyList<BpfRelocation> relocations)
    {
        if (_relocationsAttached)
            throw new InvalidOperationException($"section '{Name}' already has its relocations");
        _relocationsAttached = true;
        Relocations = relocations;
    }

    public override string ToString() => $"section '{Name}' ({InstructionArray.Length} insns, {Programs.Count} functions)";
}

/// <summary>
/// A function in an executable section: an entry point (a program libbpf would load) in a SEC() section, or a
/// subprogram in <c>.text</c> that programs call (libbpf appends the called ones to each program at load).
/// </summary>
public sealed class ProgramDefinition
{
    internal ProgramDefinition(ProgramSection section, ElfSymbol symbol, int instructionOffset, int instructionCount)
    {
        Section = section;
        Name = symbol.Name;
        Symbol = symbol;
        InstructionOffset = instructionOffset;
        InstructionCount = instructionCount;
    }

    /// <summary>The function's name (its ELF symbol), used by libbpf as the program name.</summary>
    public string Name { get; }
    public ProgramSection Section { get; }
    public string SectionName => Section.Name;
    public int SectionIndex => Section.SectionIndex;
    public ElfSymbol Symbol { get; }

    /// <summary>Index of the first instruction within the section.</summary>
    public int InstructionOffset { get; }
    public int InstructionCount { get; }

    public ReadOnlyMemory<BpfInstruction> Instructions => new(Section.InstructionArray, InstructionOffset, InstructionCount);

    /// <summary>A function in .text: callable, never loaded on its own (libbpf's <c>prog_is_subprog</c>).</summary>
    public bool IsSubprogram => Section.IsText;

    /// <summary>A global function with hidden visibility: libbpf marks its BTF FUNC static before load.</summary>
    public bool IsHidden => Symbol.Binding != ElfSymbolBinding.Local
        && Symbol.Visibility is ElfSymbolVisibility.Hidden or ElfSymbolVisibility.Internal;

    /// <summary>Program type, expected attach type and attach target from the section name; null for subprograms and unknown names.</summary>
    public ProgramSectionInfo? Info => IsSubprogram ? null : Section.Info;

    /// <summary>The section's relocations that fall inside this function (instruction indexes still section-relative).</summary>
    public IEnumerable<BpfRelocation> Relocations
    {
        get
        {
            foreach (var relocation in Section.Relocations)
            {
                if (relocation.InstructionIndex >= InstructionOffset && relocation.InstructionIndex < InstructionOffset + InstructionCount)
                    yield return relocation;
            }
        }
    }

    public override string ToString() => $"{(IsSubprogram ? "subprogram" : "program")} '{Name}' in '{SectionName}' [{InstructionOffset}, +{InstructionCount})";
}

/// <summary>How an instruction refers to a symbol (libbpf's <c>enum reloc_type</c>, from <c>bpf_program__record_reloc</c>).</summary>
public enum RelocationKind
{
    /// <summary>ldimm64 of a BTF-defined map in .maps: becomes BPF_PSEUDO_MAP_FD with the map's fd (RELO_LD64).</summary>
    MapReference,
    /// <summary>ldimm64 of a global variable: becomes BPF_PSEUDO_MAP_VALUE, the data map's fd and <see cref="BpfRelocation.DataOffset"/> (RELO_DATA).</summary>
    GlobalData,
    /// <summary>call with src_reg BPF_PSEUDO_CALL into .text (RELO_CALL).</summary>
    SubprogramCall,
    /// <summary>ldimm64 of a .text function's address: becomes BPF_PSEUDO_FUNC (RELO_SUBPROG_ADDR).</summary>
    SubprogramAddress,
    /// <summary>ldimm64 of an extern: a .kconfig value (map value) or a typed/typeless ksym (RELO_EXTERN_LD64).</summary>
    ExternLoad,
    /// <summary>call of a kfunc extern: BPF_PSEUDO_KFUNC_CALL (RELO_EXTERN_CALL).</summary>
    ExternCall,
}

/// <summary>One <c>Elf64_Rel</c> of a program section, classified.</summary>
public sealed class BpfRelocation
{
    internal BpfRelocation(string sectionName, int instructionIndex, uint elfType, ElfSymbol symbol, RelocationKind kind)
    {
        SectionName = sectionName;
        InstructionIndex = instructionIndex;
        ElfType = elfType;
        Symbol = symbol;
        Kind = kind;
    }

    public string SectionName { get; }

    /// <summary>r_offset / 8: the instruction within the section.</summary>
    public int InstructionIndex { get; }

    /// <summary><c>ELF64_R_TYPE</c> (R_BPF_64_64 = 1, R_BPF_64_32 = 10, ...).</summary>
    public uint ElfType { get; }

    /// <summary>The referenced symbol (for a static function or variable, the section symbol).</summary>
    public ElfSymbol Symbol { get; }

    /// <summary>The symbol name, or for a nameless section symbol the section's name (as libbpf prints it).</summary>
    public string SymbolName { get; internal init; } = "";

    public RelocationKind Kind { get; }

    /// <summary>The map referenced (MapReference, GlobalData, and ExternLoad of a kconfig extern).</summary>
    public MapDefinition? Map { get; internal init; }

    /// <summary>GlobalData: byte offset into the map value, insn[0].imm + st_value (a section symbol has the offset in imm, a variable in its value).</summary>
    public long DataOffset { get; internal init; }

    /// <summary>SubprogramCall and SubprogramAddress: the target's instruction index within .text.</summary>
    public int TargetInstructionIndex { get; internal init; }

    /// <summary>The called or referenced .text function, when a function starts at the target.</summary>
    public ProgramDefinition? TargetFunction { get; internal init; }

    /// <summary>ExternLoad / ExternCall: the extern.</summary>
    public BpfExtern? Extern { get; internal init; }

    public override string ToString() => $"{SectionName}+{InstructionIndex * 8:x}: {Kind} '{SymbolName}'";
}
