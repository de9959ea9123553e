using System.Buffers.Binary;
using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Uapi;

namespace RawBpf.Loader.Objects;

/// <summary>
/// Builds the instruction array the kernel receives for one entry program, as libbpf's
/// <c>bpf_object__reloc_code</c> and <c>bpf_object__relocate_data</c> do: the program's own (CO-RE relocated)
/// code, then each <c>.text</c> subprogram it reaches, appended depth-first in the order the calls appear;
/// call and function-address immediates rewritten to the new distances; map and global-data ldimm64s given
/// map fds; func_info and line_info carried along with the code they describe.
/// </summary>
internal sealed class ProgramLinker
{
    private readonly BpfObjectFile _file;
    private readonly IReadOnlyDictionary<int, BpfInstruction[]> _relocatedSections;
    private readonly Func<MapDefinition, int> _mapFd;
    private readonly Func<BpfExtern, KsymValue> _ksym;
    private readonly List<BpfInstruction> _code = [];
    private readonly List<(ProgramDefinition Function, int Start)> _placements = [];

    public ProgramLinker(BpfObjectFile file, IReadOnlyDictionary<int, BpfInstruction[]> relocatedSections, Func<MapDefinition, int> mapFd, Func<BpfExtern, KsymValue> ksym)
    {
        _file = file;
        _relocatedSections = relocatedSections;
        _mapFd = mapFd;
        _ksym = ksym;
    }

    /// <summary>The final instructions of <paramref name="program"/> and where each function landed.</summary>
    public LinkedProgram Link(ProgramDefinition program)
    {
        _code.Clear();
        _placements.Clear();
        Place(program);
        return new LinkedProgram(program, _code.ToArray(), _placements.ToArray());
    }

    private int Place(ProgramDefinition function)
    {
        var start = _code.Count;
        _placements.Add((function, start));
        var section = _relocatedSections[function.SectionIndex];
        _code.AddRange(section.AsSpan(function.InstructionOffset, function.InstructionCount));
        var relocations = function.Relocations.ToDictionary(r => r.InstructionIndex);
        for (var local = 0; local < function.InstructionCount; local++)
        {
            var index = start + local;
            relocations.TryGetValue(function.InstructionOffset + local, out var relocation);
            if (relocation is not null)
                Apply(relocation, function, index);
            else if (_code[index].IsPseudoCall || IsPseudoFunctionAddress(_code[index]))
                // A call within the same section carries no relocation: its imm is already section-relative.
                LinkCall(function, index, function.InstructionOffset + local + _code[index].Immediate + 1, function.Section);
        }
        return start;
    }

    private void Apply(BpfRelocation relocation, ProgramDefinition function, int index)
    {
        switch (relocation.Kind)
        {
            case RelocationKind.MapReference:
                SetLoadImmediate(index, BpfOpcode.PseudoMapFd, _mapFd(relocation.Map!), 0);
                break;
            case RelocationKind.GlobalData:
                SetLoadImmediate(index, BpfOpcode.PseudoMapValue, _mapFd(relocation.Map!), checked((int)relocation.DataOffset));
                break;
            case RelocationKind.ExternLoad when relocation.Extern is { Kind: ExternKind.Kconfig }:
                SetLoadImmediate(index, BpfOpcode.PseudoMapValue, _mapFd(relocation.Map!), checked((int)relocation.DataOffset));
                break;
            case RelocationKind.ExternLoad when relocation.Extern is { Kind: ExternKind.Ksym } ksym:
                // A typed kernel variable by BTF id (and module BTF fd); an untyped one, or a weak one the kernel
                // lacks, by address (0 when unresolved), as libbpf's RELO_EXTERN_VAR.
                var variable = _ksym(ksym);
                if (variable.BtfId != 0)
                    SetLoadImmediate(index, BpfOpcode.PseudoBtfId, variable.BtfId, variable.ModuleBtfFd);
                else
                    SetLoadImmediate(index, 0, unchecked((int)variable.Address), unchecked((int)(variable.Address >> 32)));
                break;
            case RelocationKind.ExternCall when relocation.Extern is { } kfunc:
                // RELO_EXTERN_FUNC: imm the kfunc's BTF id, off its module BTF's slot in fd_array (0 vmlinux); a weak
                // kfunc the kernel lacks keeps both 0.
                var callee = _ksym(kfunc);
                var call = _code[index];
                call.SourceRegister = BpfOpcode.PseudoKfuncCall;
                call.Immediate = callee.BtfId;
                call.Offset = checked((short)callee.FdArrayIndex);
                _code[index] = call;
                break;
            case RelocationKind.SubprogramCall or RelocationKind.SubprogramAddress:
                var text = relocation.TargetFunction?.Section ?? _file.ProgramSections.First(s => s.IsText);
                LinkCall(function, index, relocation.TargetInstructionIndex, text);
                break;
            default:
                throw new BpfObjectLoadException($"program '{function.Name}': {relocation.Kind} of '{relocation.SymbolName}' (at {relocation.SectionName}+{relocation.InstructionIndex * 8:x}) is not supported by this loader yet");
        }
    }

    /// <summary>Points a call or function-address load at <paramref name="targetIndex"/> of <paramref name="section"/>, appending the callee if new.</summary>
    private void LinkCall(ProgramDefinition caller, int index, int targetIndex, ProgramSection section)
    {
        var callee = section.Programs.FirstOrDefault(f => targetIndex >= f.InstructionOffset && targetIndex < f.InstructionOffset + f.InstructionCount)
            ?? throw new BpfObjectLoadException($"program '{caller.Name}': call at instruction {index} targets {section.Name}+{targetIndex * 8:x}, where no function starts");
        var start = -1;
        foreach (var (function, placed) in _placements)
        {
            if (ReferenceEquals(function, callee))
                start = placed;
        }
        if (start < 0)
            start = Place(callee);
        var distance = start + (targetIndex - callee.InstructionOffset) - index - 1;
        var instruction = _code[index];
        if (instruction.IsLoadImmediate64)
            instruction.SourceRegister = BpfOpcode.PseudoFunc;
        else
            instruction.SourceRegister = BpfOpcode.PseudoCall;
        instruction.Immediate = distance;
        _code[index] = instruction;
    }

    private static bool IsPseudoFunctionAddress(BpfInstruction instruction) =>
        instruction.IsLoadImmediate64 && instruction.SourceRegister == BpfOpcode.PseudoFunc;

    private void SetLoadImmediate(int index, int sourceRegister, int low, int high)
    {
        if (index + 1 >= _code.Count || !_code[index].IsLoadImmediate64)
            throw new BpfObjectLoadException($"relocation at instruction {index} is not on a 64-bit immediate load");
        var first = _code[index];
        first.SourceRegister = sourceRegister;
        first.Immediate = low;
        _code[index] = first;
        var second = _code[index + 1];
        second.Immediate = high;
        _code[index + 1] = second;
    }
}

/// <summary>
/// What a .ksyms extern resolved to: a BTF id (with the module BTF's fd for a variable, or its fd_array slot for a
/// kfunc; both 0 for vmlinux), or an address from /proc/kallsyms; all 0 for a weak extern the kernel lacks.
/// </summary>
internal readonly record struct KsymValue(int BtfId, int ModuleBtfFd, int FdArrayIndex, ulong Address);

/// <summary>A linked program: its final instructions and where each of its functions starts in them.</summary>
internal sealed record LinkedProgram(ProgramDefinition Program, BpfInstruction[] Instructions, (ProgramDefinition Function, int Start)[] Placements)
{
    /// <summary>
    /// The object's func_info or line_info records for the placed functions, renumbered for the kernel: insn_off
    /// becomes the instruction index in the final program (the ELF holds byte offsets within the section).
    /// </summary>
    public byte[] RenumberExtInfo(BtfExtInfo info)
    {
        using var output = new MemoryStream();
        foreach (var (function, start) in Placements)
        {
            var section = info.ForSection(function.SectionName);
            if (section is null)
                continue;
            var records = section.Records.Span;
            for (var i = 0; i < section.Count; i++)
            {
                var record = records.Slice(i * section.RecordSize, section.RecordSize);
                var sectionIndex = (int)(BinaryPrimitives.ReadUInt32LittleEndian(record) / BpfInstruction.Size);
                if (sectionIndex < function.InstructionOffset || sectionIndex >= function.InstructionOffset + function.InstructionCount)
                    continue;
                var copy = record.ToArray();
                BinaryPrimitives.WriteUInt32LittleEndian(copy, (uint)(start + sectionIndex - function.InstructionOffset));
                output.Write(copy);
            }
        }
        return output.ToArray();
    }

    /// <summary>The final index of the instruction at <paramref name="sectionIndex"/> of <paramref name="function"/>'s section, or -1.</summary>
    public int FinalIndex(ProgramDefinition function, int sectionIndex)
    {
        foreach (var (placed, start) in Placements)
        {
            if (ReferenceEquals(placed, function) && sectionIndex >= function.InstructionOffset && sectionIndex < function.InstructionOffset + function.InstructionCount)
                return start + sectionIndex - function.InstructionOffset;
        }
        return -1;
    }
}
