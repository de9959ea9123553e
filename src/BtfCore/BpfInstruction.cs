using System.Runtime.InteropServices;

namespace RawBpf.BtfCore;

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

/// <summary>Opcode parts from uapi <c>linux/bpf_common.h</c> and <c>linux/bpf.h</c>.</summary>
public static class BpfOpcode
{
    // Classes (BPF_CLASS)
    public const byte ClassLd = 0x00;
    public const byte ClassLdx = 0x01;
    public const byte ClassSt = 0x02;
    public const byte ClassStx = 0x03;
    public const byte ClassAlu = 0x04;
    public const byte ClassJmp = 0x05;
    public const byte ClassJmp32 = 0x06;
    public const byte ClassAlu64 = 0x07;

    // Sizes (BPF_SIZE)
    public const byte SizeW = 0x00;
    public const byte SizeH = 0x08;
    public const byte SizeB = 0x10;
    public const byte SizeDw = 0x18;

    // Modes (BPF_MODE)
    public const byte ModeImm = 0x00;
    public const byte ModeMem = 0x60;
    public const byte ModeMemSx = 0x80;
    public const byte ModeAtomic = 0xc0;

    // Operand source (code & 0x08) of ALU operations and jumps
    public const byte SourceK = 0x00;
    public const byte SourceX = 0x08;

    // ALU operations (code & 0xf0)
    public const byte AluAdd = 0x00;
    public const byte AluSub = 0x10;
    public const byte AluMul = 0x20;
    public const byte AluOr = 0x40;
    public const byte AluAnd = 0x50;
    public const byte AluLsh = 0x60;
    public const byte AluRsh = 0x70;
    public const byte AluXor = 0xa0;
    public const byte AluMov = 0xb0;
    public const byte AluArsh = 0xc0;

    // Jump operations (code & 0xf0)
    public const byte JumpAlways = 0x00;
    public const byte JumpEq = 0x10;
    public const byte JumpGt = 0x20;
    public const byte JumpGe = 0x30;
    public const byte JumpNe = 0x50;
    public const byte JumpSgt = 0x60;
    public const byte JumpCall = 0x80;
    public const byte JumpExit = 0x90;
    public const byte JumpLt = 0xa0;

    // src_reg values that give an instruction a special meaning
    /// <summary><c>BPF_PSEUDO_MAP_FD</c>: ldimm64 imm is a map fd.</summary>
    public const int PseudoMapFd = 1;
    /// <summary><c>BPF_PSEUDO_MAP_VALUE</c>: ldimm64 imm is a map fd, the second imm an offset into its value.</summary>
    public const int PseudoMapValue = 2;
    /// <summary><c>BPF_PSEUDO_BTF_ID</c>: ldimm64 of a kernel variable (ksym) by BTF id.</summary>
    public const int PseudoBtfId = 3;
    /// <summary><c>BPF_PSEUDO_FUNC</c>: ldimm64 of a BPF function's address (relative instruction offset).</summary>
    public const int PseudoFunc = 4;
    /// <summary><c>BPF_PSEUDO_CALL</c>: call imm is a relative offset to a BPF function.</summary>
    public const int PseudoCall = 1;
    /// <summary><c>BPF_PSEUDO_KFUNC_CALL</c>: call imm is a kernel function's BTF id.</summary>
    public const int PseudoKfuncCall = 2;

    public static byte SizeOf(byte opcode) => (byte)(opcode & 0x18);
    public static byte ModeOf(byte opcode) => (byte)(opcode & 0xe0);

    /// <summary>Bytes moved by a load or store of size <paramref name="size"/> (BPF_W/H/B/DW).</summary>
    public static int SizeInBytes(byte size) => size switch
    {
        SizeB => 1,
        SizeH => 2,
        SizeW => 4,
        _ => 8,
    };
}
