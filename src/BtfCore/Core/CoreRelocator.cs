using RawBpf.Uapi;

namespace RawBpf.BtfCore.Core;

/// <summary>
/// A program's instructions as the loader holds them before subprogram linking: the program's first
/// instruction within its ELF section and its own instructions, which <see cref="CoreRelocator.Apply"/>
/// patches in place.
/// </summary>
public sealed record CoreProgram(string Name, string SectionName, int SectionInstructionOffset, Memory<BpfInstruction> Instructions);

/// <summary>
/// CO-RE relocation of one BPF object against target BTF, as libbpf 1.1 does it (<c>relo_core.c</c>,
/// <c>bpf_object__relocate_core</c>), over instruction arrays and without any syscall.
/// <para>
/// Targets: <c>targets[0]</c> is the main BTF (the kernel's vmlinux, or a user-supplied BTF that replaces it);
/// <c>targets[1..]</c> are module BTFs (split on top of vmlinux), searched only when the main BTF has no
/// candidate of a type's name. Pass a single BTF to use only it, as libbpf's <c>btf_custom_path</c> does.
/// </para>
/// <para>
/// One instance per object: candidate lists are cached per local type id and, as in libbpf, narrowed to the
/// candidates that matched a relocation, so later relocations of the same type only consider those. Apply
/// sections in <c>.BTF.ext</c> order (or use <see cref="Apply"/>) to reproduce libbpf's decisions exactly.
/// </para>
/// </summary>
public sealed class CoreRelocator
{
    /// <summary>The <c>imm</c> of a poisoned instruction: 0xbad2310, "bad relo".</summary>
    public const int PoisonHelperId = 195896080;

    private readonly Dictionary<int, List<CoreCandidate>> _candidateCache = [];
    private readonly CoreSpecBuilder _candidateSpec;
    private bool _searchedAllRoots;

    public CoreRelocator(Btf localBtf, BtfExt ext, IReadOnlyList<Btf> targets)
    {
        ArgumentNullException.ThrowIfNull(localBtf);
        ArgumentNullException.ThrowIfNull(ext);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0)
            throw new ArgumentException("at least one target BTF (vmlinux or a user-supplied one) is needed", nameof(targets));
        LocalBtf = localBtf;
        Ext = ext;
        Targets = targets;
        _candidateSpec = new CoreSpecBuilder(localBtf);
    }

    public Btf LocalBtf { get; }
    public BtfExt Ext { get; }
    public IReadOnlyList<Btf> Targets { get; }

    /// <summary>
    /// Applies every CO-RE relocation of the object to the programs that hold its instruction, in
    /// <c>.BTF.ext</c> order as libbpf does. Relocations of instructions no given program holds (a program not
    /// loaded, an eliminated weak subprogram) are skipped. Indexes in the results are program-relative.
    /// </summary>
    public IReadOnlyList<CoreRelocationResult> Apply(IReadOnlyList<CoreProgram> programs)
    {
        var results = new List<CoreRelocationResult>();
        foreach (var section in Ext.CoreRelocations.Sections)
        {
            for (var i = 0; i < section.Count; i++)
            {
                var relocation = section.GetCoreRelocation(i);
                var sectionIndex = InstructionIndexOf(section.SectionName, i, relocation);
                var program = FindProgram(programs, section.SectionName, sectionIndex);
                if (program is null)
                    continue;
                var result = Resolve(section.SectionName, i, relocation);
                result.ProgramName = program.Name;
                result.InstructionIndex = sectionIndex - program.SectionInstructionOffset;
                Patch(program.Instructions.Span, result.InstructionIndex, result);
                results.Add(result);
            }
        }
        return results;
    }

    /// <summary>
    /// Applies the relocations of one section to that section's instructions (indexes stay section-relative).
    /// Call in <c>.BTF.ext</c> section order for libbpf's candidate narrowing to match.
    /// </summary>
    public IReadOnlyList<CoreRelocationResult> ApplySection(string sectionName, Span<BpfInstruction> sectionInstructions)
    {
        var section = Ext.CoreRelocations.ForSection(sectionName);
        if (section is null)
            return [];
        var results = new CoreRelocationResult[section.Count];
        for (var i = 0; i < section.Count; i++)
        {
            var relocation = section.GetCoreRelocation(i);
            var result = Resolve(sectionName, i, relocation);
            result.InstructionIndex = InstructionIndexOf(sectionName, i, relocation);
            Patch(sectionInstructions, result.InstructionIndex, result);
            results[i] = result;
        }
        return results;
    }

    private static int InstructionIndexOf(string sectionName, int relocationIndex, in BpfCoreRelocation relocation)
    {
        if (relocation.InstructionOffset % BpfInstruction.Size != 0 || relocation.InstructionOffset / BpfInstruction.Size > int.MaxValue)
            throw new CoreRelocationException(sectionName, relocationIndex, -1, null, $"instruction offset {relocation.InstructionOffset} is not a multiple of {BpfInstruction.Size}");
        return (int)(relocation.InstructionOffset / BpfInstruction.Size);
    }

    private static CoreProgram? FindProgram(IReadOnlyList<CoreProgram> programs, string sectionName, int sectionIndex)
    {
        foreach (var program in programs)
        {
            if (sectionIndex >= program.SectionInstructionOffset
                && sectionIndex - program.SectionInstructionOffset < program.Instructions.Length
                && program.SectionName == sectionName)
                return program;
        }
        return null;
    }

    /// <summary>
    /// Computes one relocation (libbpf's <c>bpf_core_calc_relo_insn</c>) without touching an instruction.
    /// Throws <see cref="CoreRelocationException"/> for a malformed relocation or ambiguous candidates.
    /// </summary>
    public CoreRelocationResult Resolve(string sectionName, int relocationIndex, BpfCoreRelocation relocation)
    {
        var instructionIndex = (int)(relocation.InstructionOffset / BpfInstruction.Size);
        var localSpec = new CoreSpecBuilder(LocalBtf);
        var parsed = false;
        try
        {
            var localType = LocalBtf.GetType(relocation.TypeId);
            List<CoreCandidate>? candidates = null;
            if (relocation.Kind != BpfCoreRelocationKind.TypeIdLocal)
                candidates = CandidatesFor(localType);
            try
            {
                CoreSpecMatcher.Parse(LocalBtf, relocation, localSpec);
            }
            catch (CoreMatchException e)
            {
                var name = localType.Name;
                var access = LocalBtf.GetString(relocation.AccessStringOffset);
                throw new CoreMatchException($"parsing [{relocation.TypeId}] {CoreRelocationKinds.LibbpfKindName(localType.Kind)} {(name.Length == 0 ? "<anon>" : name)} + {access} failed: {e.Message}");
            }
            parsed = true;
            var result = new CoreRelocationResult(sectionName, relocationIndex, relocation, localSpec.ToValue()) { InstructionIndex = instructionIndex };
            if (candidates is null)
            {
                // TYPE_ID_LOCAL needs no target; the id in the instruction may have changed in linking.
                result.OriginalValue = result.NewValue = (ulong)localSpec.RootTypeId;
                result.Validate = false;
                return result;
            }
            ResolveAgainstCandidates(relocationIndex, relocation.Kind, localSpec, candidates, result);
            return result;
        }
        catch (Exception e) when (e is CoreMatchException or BtfFormatException or OverflowException)
        {
            throw new CoreRelocationException(sectionName, relocationIndex, instructionIndex, parsed ? localSpec.ToString() : null, e.Message, e);
        }
    }

    private void ResolveAgainstCandidates(int relocationIndex, BpfCoreRelocationKind kind, CoreSpecBuilder localSpec,
        List<CoreCandidate> candidates, CoreRelocationResult result)
    {
        var matched = 0;
        var chosen = default(Calculation);
        CoreSpecBuilder? chosenSpec = null;
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            if (!CoreSpecMatcher.Match(localSpec, candidate.Btf, candidate.TypeId, _candidateSpec))
                continue;
            var calculation = Calculate(relocationIndex, kind, localSpec, _candidateSpec);
            if (matched == 0)
            {
                chosen = calculation;
                chosenSpec = _candidateSpec.Clone();
            }
            else if (_candidateSpec.BitOffset != chosenSpec!.BitOffset)
            {
                // Every candidate of a field relocation must put the field at the same place.
                throw new CoreMatchException($"field offset ambiguity: {_candidateSpec.BitOffset} != {chosenSpec.BitOffset} between candidates {chosenSpec} and {_candidateSpec}");
            }
            else if (calculation.Poison != chosen.Poison || calculation.NewValue != chosen.NewValue)
            {
                throw new CoreMatchException($"relocation decision ambiguity: {Decision(calculation)} != {Decision(chosen)} between candidates {chosenSpec} and {_candidateSpec}");
            }
            // Narrow the cached list to the candidates that matched, as libbpf does.
            candidates[matched++] = candidate;
        }
        if (matched > 0)
        {
            candidates.RemoveRange(matched, candidates.Count - matched);
        }
        else
        {
            // No candidate: existence kinds give 0, the others poison (or 0 for the type-based ones).
            chosen = Calculate(relocationIndex, kind, localSpec, null);
        }
        result.TargetSpec = chosenSpec?.ToValue();
        result.MatchingCandidates = matched;
        result.OriginalValue = chosen.OriginalValue;
        result.NewValue = chosen.NewValue;
        result.Poisoned = chosen.Poison;
        result.Validate = chosen.Validate;
        result.OriginalSize = chosen.OriginalSize;
        result.NewSize = chosen.NewSize;
        result.OriginalTypeId = chosen.OriginalTypeId;
        result.NewTypeId = chosen.NewTypeId;
        result.FailMemorySizeAdjust = chosen.FailMemorySizeAdjust;
    }

    private static string Decision(in Calculation calculation) => $"{(calculation.Poison ? "failure" : "success")} {calculation.NewValue}";

    /// <summary>
    /// libbpf's <c>bpf_core_find_cands</c>: types of a compatible kind whose essential name equals the local
    /// type's, in the main target BTF, else in the module BTFs (their own types only). The first search gathers
    /// the candidates of every root type the object's relocations name at once (<see cref="CoreCandidateSearch"/>).
    /// </summary>
    private List<CoreCandidate> CandidatesFor(BtfType localType)
    {
        if (_candidateCache.TryGetValue(localType.Id, out var cached))
            return cached;
        if (localType.NameBytes.IsEmpty)
            throw new CoreMatchException($"target candidate search failed for [{localType.Id}] {CoreRelocationKinds.LibbpfKindName(localType.Kind)}: anonymous types have no candidates");
        var wanted = new Dictionary<int, List<CoreCandidate>> { [localType.Id] = [] };
        if (!_searchedAllRoots)
        {
            _searchedAllRoots = true;
            CollectRootTypes(wanted);
        }
        FindCandidates(wanted);
        foreach (var (id, candidates) in wanted)
            _candidateCache[id] = candidates;
        return wanted[localType.Id];
    }

    /// <summary>
    /// The named root types of every relocation in <c>.BTF.ext</c> that needs candidates. Malformed records are
    /// left for <see cref="Resolve"/> to report when (and if) their instruction is relocated.
    /// </summary>
    private void CollectRootTypes(Dictionary<int, List<CoreCandidate>> wanted)
    {
        foreach (var section in Ext.CoreRelocations.Sections)
        {
            for (var i = 0; i < section.Count; i++)
            {
                var relocation = section.GetCoreRelocation(i);
                if (relocation.Kind == BpfCoreRelocationKind.TypeIdLocal || relocation.TypeId <= 0
                    || !LocalBtf.ContainsType(relocation.TypeId) || wanted.ContainsKey(relocation.TypeId)
                    || _candidateCache.ContainsKey(relocation.TypeId) || LocalBtf.GetType(relocation.TypeId).NameBytes.IsEmpty)
                    continue;
                wanted[relocation.TypeId] = [];
            }
        }
    }

    /// <summary>One pass over the main target for all wanted types, then one per module for those still without any.</summary>
    private void FindCandidates(Dictionary<int, List<CoreCandidate>> wanted)
    {
        var main = new CoreCandidateSearch();
        foreach (var (id, candidates) in wanted)
            main.Add(LocalBtf.GetType(id), candidates);
        main.Search(Targets[0], withBase: true);
        if (Targets.Count == 1)
            return;
        // Modules are searched only for types the main BTF has no candidate of, and then every module is.
        var modules = new CoreCandidateSearch();
        foreach (var (id, candidates) in wanted)
        {
            if (candidates.Count == 0)
                modules.Add(LocalBtf.GetType(id), candidates);
        }
        for (var i = 1; i < Targets.Count && !modules.IsEmpty; i++)
            modules.Search(Targets[i], withBase: false);
    }

    private struct Calculation
    {
        public ulong OriginalValue;
        public ulong NewValue;
        public bool Poison;
        public bool Validate;
        public bool FailMemorySizeAdjust;
        public uint OriginalSize;
        public uint NewSize;
        public int OriginalTypeId;
        public int NewTypeId;
    }

    /// <summary>libbpf's <c>bpf_core_calc_relo</c>: the local and target values of one relocation.</summary>
    private static Calculation Calculate(int relocationIndex, BpfCoreRelocationKind kind, CoreSpecBuilder local, CoreSpecBuilder? target)
    {
        var result = new Calculation { Validate = true };
        if (CoreRelocationKinds.IsFieldBased(kind))
        {
            result.Poison = !CalculateField(kind, local, out result.OriginalValue, out result.OriginalSize, out result.OriginalTypeId, out result.Validate)
                || !CalculateField(kind, target, out result.NewValue, out result.NewSize, out result.NewTypeId, out _);
            if (result.Poison || result.OriginalSize == result.NewSize)
                return result;
            // A load/store may follow a size change only for pointers and unsigned integers, which zero-extend.
            var originalType = local.Btf.GetType(result.OriginalTypeId);
            var newType = target!.Btf.GetType(result.NewTypeId);
            if (originalType.Kind == BtfKind.Ptr && newType.Kind == BtfKind.Ptr)
                return result;
            if (originalType.Kind == BtfKind.Int && newType.Kind == BtfKind.Int
                && originalType.IntEncoding != BtfIntEncoding.Signed && newType.IntEncoding != BtfIntEncoding.Signed)
                return result;
            result.FailMemorySizeAdjust = true;
            return result;
        }
        if (CoreRelocationKinds.IsTypeBased(kind))
        {
            result.OriginalValue = CalculateType(kind, local, out result.Validate);
            result.NewValue = CalculateType(kind, target, out _);
            return result;
        }
        if (CoreRelocationKinds.IsEnumValueBased(kind))
        {
            result.Poison = !CalculateEnumValue(kind, local, out result.OriginalValue)
                || !CalculateEnumValue(kind, target, out result.NewValue);
            return result;
        }
        throw new CoreMatchException($"unrecognized CO-RE relocation kind {(uint)kind} (relo #{relocationIndex})");
    }

    /// <summary><c>bpf_core_calc_field_relo</c>; false asks for the instruction to be poisoned.</summary>
    private static bool CalculateField(BpfCoreRelocationKind kind, CoreSpecBuilder? spec, out ulong value, out uint fieldSize, out int typeId, out bool validate)
    {
        value = 0;
        fieldSize = 0;
        typeId = 0;
        validate = true;
        if (kind == BpfCoreRelocationKind.FieldExists)
        {
            value = spec is null ? 0UL : 1UL;
            return true;
        }
        if (spec is null)
            return false;
        var btf = spec.Btf;
        var accessor = spec.Accessors[spec.Length - 1];
        if (!accessor.HasName)
        {
            // An array element: only its offset and size make sense.
            var elementSize = (uint)btf.ResolveSize(accessor.TypeId);
            switch (kind)
            {
                case BpfCoreRelocationKind.FieldByteOffset:
                    value = spec.BitOffset / 8;
                    fieldSize = elementSize;
                    typeId = accessor.TypeId;
                    break;
                case BpfCoreRelocationKind.FieldByteSize:
                    value = elementSize;
                    break;
                default:
                    throw new CoreMatchException($"relocation kind {CoreRelocationKinds.LibbpfName(kind)} can't be applied to array access");
            }
            return true;
        }

        var composite = btf.GetType(accessor.TypeId);
        var member = composite.Members[accessor.Index];
        var memberType = btf.SkipModifiersAndTypedefs(member.TypeId);
        var fieldTypeId = memberType.Id;
        var bitOffset = spec.BitOffset;
        var bitSize = member.BitfieldSize;
        var bitfield = bitSize > 0;
        uint byteOffset, byteSize;
        if (bitfield)
        {
            // The smallest aligned load (of at least the declared type's size) that covers the bitfield.
            byteSize = memberType.Size;
            if (byteSize == 0)
                throw new CoreMatchException($"bitfield of zero-sized type [{fieldTypeId}]");
            byteOffset = bitOffset / 8 / byteSize * byteSize;
            while (bitOffset + bitSize - byteOffset * 8 > byteSize * 8)
            {
                if (byteSize >= 8)
                    throw new CoreMatchException("bitfield can't be read with a 64-bit load");
                byteSize *= 2;
                byteOffset = bitOffset / 8 / byteSize * byteSize;
            }
        }
        else
        {
            byteSize = (uint)btf.ResolveSize(fieldTypeId);
            byteOffset = spec.BitOffset / 8;
            bitSize = byteSize * 8;
        }
        // The compiler and libbpf may disagree about a bitfield's load, so only its signedness and right shift are checked.
        validate = !bitfield;
        switch (kind)
        {
            case BpfCoreRelocationKind.FieldByteOffset:
                value = byteOffset;
                if (!bitfield)
                {
                    fieldSize = byteSize;
                    typeId = fieldTypeId;
                }
                break;
            case BpfCoreRelocationKind.FieldByteSize:
                value = byteSize;
                break;
            case BpfCoreRelocationKind.FieldSigned:
                value = (memberType.IsEnum && memberType.KindFlag)
                    || (memberType.Kind == BtfKind.Int && (memberType.IntEncoding & BtfIntEncoding.Signed) != 0) ? 1UL : 0UL;
                validate = true;
                break;
            case BpfCoreRelocationKind.FieldLShiftU64:
                value = unchecked(64UL - (bitOffset + bitSize - byteOffset * 8));
                break;
            case BpfCoreRelocationKind.FieldRShiftU64:
                value = unchecked(64UL - bitSize);
                validate = true;
                break;
            default:
                throw new CoreMatchException($"unexpected field relocation kind {(uint)kind}");
        }
        return true;
    }

    /// <summary><c>bpf_core_calc_type_relo</c>: a missing target type gives 0, never poison.</summary>
    private static ulong CalculateType(BpfCoreRelocationKind kind, CoreSpecBuilder? spec, out bool validate)
    {
        validate = true;
        if (spec is null)
            return 0;
        switch (kind)
        {
            case BpfCoreRelocationKind.TypeIdTarget:
                // Type ids in the instruction may change during static linking: not validated.
                validate = false;
                return (ulong)spec.RootTypeId;
            case BpfCoreRelocationKind.TypeExists or BpfCoreRelocationKind.TypeMatches:
                return 1;
            case BpfCoreRelocationKind.TypeSize:
                return (ulong)spec.Btf.ResolveSize(spec.RootTypeId);
            default:
                throw new CoreMatchException($"unexpected type relocation kind {CoreRelocationKinds.LibbpfName(kind)}");
        }
    }

    /// <summary><c>bpf_core_calc_enumval_relo</c>; false asks for poison (ENUMVAL_VALUE without a target).</summary>
    private static bool CalculateEnumValue(BpfCoreRelocationKind kind, CoreSpecBuilder? spec, out ulong value)
    {
        value = 0;
        if (kind == BpfCoreRelocationKind.EnumValueExists)
        {
            value = spec is null ? 0UL : 1UL;
            return true;
        }
        if (spec is null)
            return false;
        var accessor = spec.Accessors[0];
        var enumType = spec.Btf.GetType(accessor.TypeId);
        var enumerator = enumType.EnumValues[accessor.Index];
        // A 32-bit btf_enum.val is an s32, sign-extended to 64 bits whatever the enum's signedness.
        value = enumType.Kind == BtfKind.Enum ? unchecked((ulong)(long)(int)enumerator.UnsignedValue) : enumerator.UnsignedValue;
        return true;
    }

    /// <summary>
    /// libbpf's <c>bpf_core_patch_insn</c>: writes the result into instruction <paramref name="index"/> (an ALU
    /// immediate, a load/store offset and size, or a 64-bit immediate), or poisons it.
    /// </summary>
    public static void Patch(Span<BpfInstruction> instructions, int index, CoreRelocationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if ((uint)index >= (uint)instructions.Length)
            throw Error(result, index, $"instruction #{index} is outside the {instructions.Length} instructions");
        ref var instruction = ref instructions[index];
        if (result.Poisoned)
        {
            Poison(instructions, index);
            return;
        }
        var originalValue = result.OriginalValue;
        var newValue = result.NewValue;
        switch (instruction.Class)
        {
            case BpfOpcode.ClassAlu or BpfOpcode.ClassAlu64:
                if ((instruction.Opcode & BpfOpcode.SourceX) != BpfOpcode.SourceK)
                    throw Error(result, index, "ALU instruction does not take an immediate operand");
                if (result.Validate && unchecked((ulong)(long)instruction.Immediate) != originalValue)
                    throw Error(result, index, $"unexpected insn #{index} (ALU/ALU64) value: got {unchecked((uint)instruction.Immediate)}, exp {originalValue} -> {newValue}");
                instruction.Immediate = unchecked((int)newValue);
                break;
            case BpfOpcode.ClassLdx or BpfOpcode.ClassSt or BpfOpcode.ClassStx:
                if (result.Validate && unchecked((ulong)(long)instruction.Offset) != originalValue)
                    throw Error(result, index, $"unexpected insn #{index} (LDX/ST/STX) value: got {unchecked((uint)instruction.Offset)}, exp {originalValue} -> {newValue}");
                if (newValue > (ulong)short.MaxValue)
                    throw Error(result, index, $"insn #{index} (LDX/ST/STX) value too big: {newValue}");
                if (result.FailMemorySizeAdjust)
                {
                    // The field changed size and is neither a pointer nor an unsigned integer: a load of the
                    // new size would not give the same value, so the instruction must never run.
                    result.Poisoned = true;
                    Poison(instructions, index);
                    return;
                }
                instruction.Offset = (short)newValue;
                if (result.NewSize != result.OriginalSize)
                {
                    var instructionSize = BpfOpcode.SizeInBytes(BpfOpcode.SizeOf(instruction.Opcode));
                    if (instructionSize != result.OriginalSize)
                        throw Error(result, index, $"insn #{index} (LDX/ST/STX) unexpected mem size: got {instructionSize}, exp {result.OriginalSize}");
                    byte newSize = result.NewSize switch
                    {
                        1 => BpfOpcode.SizeB,
                        2 => BpfOpcode.SizeH,
                        4 => BpfOpcode.SizeW,
                        8 => BpfOpcode.SizeDw,
                        _ => throw Error(result, index, $"insn #{index} (LDX/ST/STX) invalid new mem size: {result.NewSize}"),
                    };
                    instruction.Opcode = (byte)((instruction.Opcode & 0xe7) | newSize);
                }
                break;
            case BpfOpcode.ClassLd:
                {
                    if (!instruction.IsLoadImmediate64 || index + 1 >= instructions.Length || instruction.SourceRegister != 0
                        || instruction.Offset != 0 || instructions[index + 1].Opcode != 0 || instructions[index + 1].Registers != 0
                        || instructions[index + 1].Offset != 0)
                        throw Error(result, index, $"insn #{index} (LDIMM64) has unexpected form");
                    ref var upper = ref instructions[index + 1];
                    var current = unchecked((uint)instruction.Immediate | ((ulong)(uint)upper.Immediate << 32));
                    if (result.Validate && current != originalValue)
                        throw Error(result, index, $"unexpected insn #{index} (LDIMM64) value: got {current}, exp {originalValue} -> {newValue}");
                    instruction.Immediate = unchecked((int)newValue);
                    upper.Immediate = unchecked((int)(newValue >> 32));
                    break;
                }
            default:
                throw Error(result, index, $"trying to relocate unrecognized insn #{index}, code:0x{instruction.Opcode:x}, src:0x{instruction.SourceRegister:x}, dst:0x{instruction.DestinationRegister:x}, off:0x{(ushort)instruction.Offset:x}, imm:0x{instruction.Immediate:x}");
        }
    }

    /// <summary>
    /// <c>bpf_core_poison_insn</c>: <c>call 0xbad2310</c>, an unknown helper the verifier names if the code is
    /// reachable; for an ldimm64 the second slot too, so the verifier does not stop at "unknown opcode 00".
    /// </summary>
    private static void Poison(Span<BpfInstruction> instructions, int index)
    {
        var poison = new BpfInstruction(BpfOpcode.ClassJmp | BpfOpcode.JumpCall, 0, 0, 0, PoisonHelperId);
        if (instructions[index].IsLoadImmediate64 && index + 1 < instructions.Length)
            instructions[index + 1] = poison;
        instructions[index] = poison;
    }

    private static CoreRelocationException Error(CoreRelocationResult result, int index, string problem) =>
        new(result.SectionName, result.RelocationIndex, index, result.LocalSpec.ToString(), problem);
}

/// <summary>A target type that may be what a local type stands for (libbpf's <c>struct bpf_core_cand</c>).</summary>
public readonly record struct CoreCandidate(Btf Btf, int TypeId);
