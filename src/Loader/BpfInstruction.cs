using System.Runtime.InteropServices;

namespace RawBpf.Loader;

/// <summary>
/// <c>struct bpf_insn</c>: <c>__u8 code; __u8 dst_reg:4, src_reg:4; __s16 off; __s32 imm;</c> (8 bytes, little
/// endian on x86-64, where dst_reg is the low nibble). The factories cover what hand-assembled probes need.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1, Size = 8)]
public readonly struct BpfInstruction : IEquatable<BpfInstruction>
{
    // Instruction classes (code & 0x07).
    public const byte ClassLd = 0x00;
    public const byte ClassLdx = 0x01;
    public const byte ClassSt = 0x02;
    public const byte ClassStx = 0x03;
    public const byte ClassAlu = 0x04;
    public const byte ClassJmp = 0x05;
    public const byte ClassJmp32 = 0x06;
    public const byte ClassAlu64 = 0x07;

    // Sizes (code & 0x18) and modes (code & 0xe0) of loads and stores.
    public const byte SizeW = 0x00;
    public const byte SizeH = 0x08;
    public const byte SizeB = 0x10;
    public const byte SizeDw = 0x18;
    public const byte ModeImm = 0x00;
    public const byte ModeMem = 0x60;
    public const byte ModeAtomic = 0xc0;

    // Operand source (code & 0x08) of ALU and jumps.
    public const byte SourceK = 0x00;
    public const byte SourceX = 0x08;

    // ALU operations (code & 0xf0).
    public const byte AluAdd = 0x00;
    public const byte AluSub = 0x10;
    public const byte AluMul = 0x20;
    public const byte AluOr = 0x40;
    public const byte AluAnd = 0x50;
    public const byte AluLsh = 0x60;
    public const byte AluRsh = 0x70;
    public const byte AluXor = 0xa0;
    public const byte AluMov = 0xb0;

    // Jump operations (code & 0xf0).
    public const byte JumpAlways = 0x00;
    public const byte JumpEq = 0x10;
    public const byte JumpGt = 0x20;
    public const byte JumpGe = 0x30;
    public const byte JumpNe = 0x50;
    public const byte JumpSgt = 0x60;
    public const byte JumpCall = 0x80;
    public const byte JumpExit = 0x90;
    public const byte JumpLt = 0xa0;

    /// <summary>BPF_PSEUDO_MAP_FD: in the src_reg of an ldimm64, says imm is a map fd the kernel turns into a map pointer.</summary>
    public const byte PseudoMapFd = 1;

    // Field order is the ABI: code, dst_reg:4 | src_reg:4, off, imm.
    private readonly byte _opcode;
    private readonly byte _registers;
    private readonly short _offset;
    private readonly int _immediate;

    public BpfInstruction(byte opcode, byte destination, byte source, short offset, int immediate)
    {
        _opcode = opcode;
        _registers = (byte)((destination & 0x0f) | (source << 4));
        _offset = offset;
        _immediate = immediate;
    }

    public byte Opcode => _opcode;

    public byte Destination => (byte)(_registers & 0x0f);

    public byte Source => (byte)(_registers >> 4);

    public short Offset => _offset;

    public int Immediate => _immediate;

    /// <summary>dst = imm (64-bit, sign-extended).</summary>
    public static BpfInstruction Mov64(byte destination, int immediate) => new(ClassAlu64 | AluMov | SourceK, destination, 0, 0, immediate);

    /// <summary>dst = src.</summary>
    public static BpfInstruction Mov64Register(byte destination, byte source) => new(ClassAlu64 | AluMov | SourceX, destination, source, 0, 0);

    /// <summary>dst op= imm, 64-bit.</summary>
    public static BpfInstruction Alu64(byte operation, byte destination, int immediate) => new((byte)(ClassAlu64 | operation | SourceK), destination, 0, 0, immediate);

    /// <summary>dst op= src, 64-bit.</summary>
    public static BpfInstruction Alu64Register(byte operation, byte destination, byte source) => new((byte)(ClassAlu64 | operation | SourceX), destination, source, 0, 0);

    /// <summary>dst = *(size *)(src + offset).</summary>
    public static BpfInstruction Load(byte size, byte destination, byte source, short offset) => new((byte)(ClassLdx | ModeMem | size), destination, source, offset, 0);

    /// <summary>*(size *)(dst + offset) = src.</summary>
    public static BpfInstruction Store(byte size, byte destination, short offset, byte source) => new((byte)(ClassStx | ModeMem | size), destination, source, offset, 0);

    /// <summary>*(size *)(dst + offset) = imm.</summary>
    public static BpfInstruction StoreImmediate(byte size, byte destination, short offset, int immediate) => new((byte)(ClassSt | ModeMem | size), destination, 0, offset, immediate);

    /// <summary>lock *(u64 *)(dst + offset) += src (BPF_ATOMIC with imm BPF_ADD).</summary>
    public static BpfInstruction AtomicAdd64(byte destination, short offset, byte source) => new(ClassStx | ModeAtomic | SizeDw, destination, source, offset, AluAdd);

    /// <summary>if (dst op imm) goto pc + 1 + offset.</summary>
    public static BpfInstruction Jump(byte operation, byte destination, int immediate, short offset) => new((byte)(ClassJmp | operation | SourceK), destination, 0, offset, immediate);

    /// <summary>if (dst op src) goto pc + 1 + offset.</summary>
    public static BpfInstruction JumpRegister(byte operation, byte destination, byte source, short offset) => new((byte)(ClassJmp | operation | SourceX), destination, source, offset, 0);

    /// <summary>goto pc + 1 + offset.</summary>
    public static BpfInstruction JumpAlwaysTo(short offset) => new(ClassJmp | JumpAlways, 0, 0, offset, 0);

    /// <summary>call helper (enum bpf_func_id).</summary>
    public static BpfInstruction Call(int helper) => new(ClassJmp | JumpCall, 0, 0, 0, helper);

    /// <summary>return r0.</summary>
    public static BpfInstruction Exit() => new(ClassJmp | JumpExit, 0, 0, 0, 0);

    /// <summary>
    /// dst = map (ldimm64 with src_reg BPF_PSEUDO_MAP_FD): two instruction slots, the second carrying the upper
    /// 32 bits of the immediate (0 here). The verifier replaces the fd with the kernel's map pointer.
    /// </summary>
    public static (BpfInstruction First, BpfInstruction Second) LoadMapFd(byte destination, int mapFd) =>
        (new(ClassLd | ModeImm | SizeDw, destination, PseudoMapFd, 0, mapFd), new(0, 0, 0, 0, 0));

    public bool Equals(BpfInstruction other) =>
        Opcode == other.Opcode && _registers == other._registers && Offset == other.Offset && Immediate == other.Immediate;

    public override bool Equals(object? obj) => obj is BpfInstruction other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Opcode, _registers, Offset, Immediate);

    public static bool operator ==(BpfInstruction left, BpfInstruction right) => left.Equals(right);

    public static bool operator !=(BpfInstruction left, BpfInstruction right) => !left.Equals(right);
}
