using RawBpf.Uapi;

namespace RawBpf.BtfCore.Core;

/// <summary>
/// The outcome of one CO-RE relocation: which instruction, what the object expected (local spec and value),
/// what the target gave (target spec and value), and whether the instruction was poisoned, i.e. replaced by
/// <c>call 0xbad2310</c> that the verifier rejects as "invalid func unknown#195896080" if it is reachable.
/// </summary>
public sealed class CoreRelocationResult
{
    internal CoreRelocationResult(string sectionName, int relocationIndex, BpfCoreRelocation relocation, CoreSpec localSpec)
    {
        SectionName = sectionName;
        RelocationIndex = relocationIndex;
        Relocation = relocation;
        LocalSpec = localSpec;
    }

    /// <summary>The program section the relocation belongs to (its <c>.BTF.ext</c> group).</summary>
    public string SectionName { get; }

    /// <summary>Index of the record within its section: libbpf's "relo #N".</summary>
    public int RelocationIndex { get; }

    public BpfCoreRelocation Relocation { get; }

    public BpfCoreRelocationKind Kind => Relocation.Kind;

    /// <summary>The instruction index within the ELF section (<c>insn_off / 8</c>).</summary>
    public int SectionInstructionIndex => (int)(Relocation.InstructionOffset / BpfInstruction.Size);

    /// <summary>The program the instruction belongs to, when relocated through <see cref="CoreRelocator.Apply"/>.</summary>
    public string? ProgramName { get; internal set; }

    /// <summary>The instruction index within the instructions that were patched (program- or section-relative).</summary>
    public int InstructionIndex { get; internal set; }

    /// <summary>The spec in the object's BTF.</summary>
    public CoreSpec LocalSpec { get; }

    /// <summary>The spec in the chosen target candidate, or null when no candidate matched.</summary>
    public CoreSpec? TargetSpec { get; internal set; }

    /// <summary>How many target candidates matched (all agreeing on the result).</summary>
    public int MatchingCandidates { get; internal set; }

    /// <summary>The value computed from the local BTF, which the instruction must carry unless not validated.</summary>
    public ulong OriginalValue { get; internal set; }

    /// <summary>The value for the target, written into the instruction.</summary>
    public ulong NewValue { get; internal set; }

    /// <summary>The instruction (both halves of an ldimm64) was replaced by <c>call 0xbad2310</c>.</summary>
    public bool Poisoned { get; internal set; }

    /// <summary>Whether the instruction's current value is checked against <see cref="OriginalValue"/>.</summary>
    public bool Validate { get; internal set; }

    /// <summary>Field size in the local and target BTF for a byte-offset relocation of a load/store (0 otherwise).</summary>
    public uint OriginalSize { get; internal set; }

    public uint NewSize { get; internal set; }

    /// <summary>The field changed size in a way a load/store cannot follow (not an unsigned int or a pointer).</summary>
    public bool FailMemorySizeAdjust { get; internal set; }

    internal int OriginalTypeId { get; set; }
    internal int NewTypeId { get; set; }

    /// <summary>"relo #3 in 'tp/x' at insn #42: &lt;byte_off&gt; [7] struct task_struct.pid (0:66 @ offset 8) => ...".</summary>
    public override string ToString()
    {
        var target = TargetSpec?.ToString() ?? "no matching target";
        var outcome = Poisoned ? "poisoned" : $"{OriginalValue} -> {NewValue}";
        var where = ProgramName is null ? $"'{SectionName}'" : $"prog '{ProgramName}' ('{SectionName}')";
        return $"relo #{RelocationIndex} in {where} at insn #{InstructionIndex}: {LocalSpec} => {target}: {outcome}";
    }
}

/// <summary>A CO-RE relocation that cannot be applied; names the section, relocation, instruction and spec.</summary>
public sealed class CoreRelocationException : Exception
{
    public CoreRelocationException(string sectionName, int relocationIndex, int instructionIndex, string? spec, string problem, Exception? inner = null)
        : base($"{sectionName}: CO-RE relo #{relocationIndex} at insn #{instructionIndex}{(spec is null ? "" : $" ({spec})")}: {problem}", inner)
    {
        SectionName = sectionName;
        RelocationIndex = relocationIndex;
        InstructionIndex = instructionIndex;
        Spec = spec;
    }

    public string SectionName { get; }
    public int RelocationIndex { get; }
    public int InstructionIndex { get; }

    /// <summary>The local spec as libbpf formats it, when it could be parsed.</summary>
    public string? Spec { get; }
}
