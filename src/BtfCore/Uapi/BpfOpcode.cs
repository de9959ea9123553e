namespace RawBpf.Uapi;

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
