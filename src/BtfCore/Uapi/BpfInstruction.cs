using System.Runtime.InteropServices;

namespace RawBpf.Uapi;

/// <summary>
/// uapi <c>struct bpf_insn</c>: { __u8 code; __u8 dst_reg:4, src_reg:4; __s16 off; __s32 imm; }, 8 bytes, the
/// layout the kernel and ELF objects both use (little-endian). A 64-bit immediate load (<c>BPF_LD | BPF_IMM |
/// BPF_DW</c>) takes two slots, the second holding the upper 32 bits in its <c>imm</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
public struct BpfInstruction : IEquatable<BpfInstruction>
{
    public const int Size = 8;

    /// <summary><c>code</c>: class (low 3 bits), then size/mode or source/operation.</summary>
    public byte Opcode;

    /// <summary><c>dst_reg</c> in the low nibble, <c>src_reg</c> in the high one.</summary>
    public byte Registers;

    /// <summary><c>off</c>: memory offset or jump offset.</summary>
    public short Offset;

    /// <summary><c>imm</c>.</summary>
    public int Immediate;

    public BpfInstruction(byte opcode, int destination, int source, short offset, int immediate)
    {
        Opcode = opcode;
        Registers = (byte)((destination & 0xf) | ((source & 0xf) << 4));
        Offset = offset;
        Immediate = immediate;
    }

    public int DestinationRegister
    {
        readonly get => Registers & 0xf;
        set => Registers = (byte)((Registers & 0xf0) | (value & 0xf));
    }

    public int SourceRegister
    {
        readonly get => Registers >> 4;
        set => Registers = (byte)((Registers & 0x0f) | ((value & 0xf) << 4));
    }

    public readonly byte Class => (byte)(Opcode & 0x07);

    /// <summary>The first slot of a 64-bit immediate load (<c>BPF_LD | BPF_IMM | BPF_DW</c>, 0x18).</summary>
    public readonly bool IsLoadImmediate64 => Opcode == (BpfOpcode.ClassLd | BpfOpcode.ModeImm | BpfOpcode.SizeDw);

    /// <summary>A call of a BPF-to-BPF function (<c>BPF_JMP | BPF_CALL</c> with <c>src_reg == BPF_PSEUDO_CALL</c>).</summary>
    public readonly bool IsPseudoCall => Opcode == (BpfOpcode.ClassJmp | BpfOpcode.JumpCall) && SourceRegister == BpfOpcode.PseudoCall;

    public readonly bool Equals(BpfInstruction other) =>
        Opcode == other.Opcode && Registers == other.Registers && Offset == other.Offset && Immediate == other.Immediate;

    public override readonly bool Equals(object? obj) => obj is BpfInstruction other && Equals(other);
    public override readonly int GetHashCode() => HashCode.Combine(Opcode, Registers, Offset, Immediate);
    public static bool operator ==(BpfInstruction left, BpfInstruction right) => left.Equals(right);
    public static bool operator !=(BpfInstruction left, BpfInstruction right) => !left.Equals(right);

    public override readonly string ToString() =>
        $"code=0x{Opcode:x2} dst=r{DestinationRegister} src=r{SourceRegister} off={Offset} imm={Immediate}";
}
