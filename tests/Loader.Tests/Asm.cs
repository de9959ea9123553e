using RawBpf.BtfCore;
using RawBpf.Loader.Maps;
using RawBpf.Uapi;

using static RawBpf.BtfCore.BpfAssembler;
using static RawBpf.Uapi.BpfOpcode;

namespace RawBpf.Loader.Tests;

/// <summary>A tiny assembler with labels for the hand-written test programs.</summary>
internal sealed class Asm
{
    private readonly List<BpfInstruction> _instructions = [];
    private readonly Dictionary<string, int> _labels = [];
    private readonly List<(int Index, string Label)> _fixups = [];

    public Asm Emit(BpfInstruction instruction)
    {
        _instructions.Add(instruction);
        return this;
    }

    public Asm LoadMap(byte register, BpfMap map)
    {
        var (first, second) = LoadMapFd(register, map.Fd.RawFd);
        return Emit(first).Emit(second);
    }

    /// <summary>
    /// r0 = bpf_map_lookup_elem(map, &amp;(u32){0}) with the key at fp-4; if r0 is NULL goto <paramref name="ifNull"/>.
    /// </summary>
    public Asm LookupKeyZero(BpfMap map, string ifNull) =>
        Emit(StoreImmediate(SizeW, 10, -4, 0))
            .LoadMap(1, map)
            .Emit(Mov64Register(2, 10))
            .Emit(Alu64(AluAdd, 2, -4))
            .Emit(Call(TestPrograms.HelperMapLookupElem))
            .JumpIf(JumpEq, 0, 0, ifNull);

    public Asm Label(string name)
    {
        _labels.Add(name, _instructions.Count);
        return this;
    }

    /// <summary>if (dst op imm) goto label.</summary>
    public Asm JumpIf(byte operation, byte register, int immediate, string label)
    {
        _fixups.Add((_instructions.Count, label));
        return Emit(Jump(operation, register, immediate, 0));
    }

    public Asm Goto(string label)
    {
        _fixups.Add((_instructions.Count, label));
        return Emit(JumpAlwaysTo(0));
    }

    public BpfInstruction[] Build()
    {
        var result = _instructions.ToArray();
        foreach (var (index, label) in _fixups)
        {
            var jump = result[index];
            result[index] = new BpfInstruction(jump.Opcode, jump.DestinationRegister, jump.SourceRegister, checked((short)(_labels[label] - index - 1)), jump.Immediate);
        }

        return result;
    }
}
