using RawBpf.Uapi;

using static RawBpf.Uapi.BpfOpcode;

namespace RawBpf.BtfCore;

/// <summary>Builds single instructions by their meaning: for feature probes and hand-assembled test programs.</summary>
public static class BpfAssembler
{
    /// <summary>dst = imm (64-bit, sign-extended).</summary>
    public static BpfInstruction Mov64(int destination, int immediate) => new(ClassAlu64 | AluMov | SourceK, destination, 0, 0, immediate);

    /// <summary>dst = src.</summary>
    public static BpfInstruction Mov64Register(int destination, int source) => new(ClassAlu64 | AluMov | SourceX, destination, source, 0, 0);

    /// <summary>dst op= imm, 64-bit.</summary>
    public static BpfInstruction Alu64(byte operation, int destination, int immediate) => new((byte)(ClassAlu64 | operation | SourceK), destination, 0, 0, immediate);

    /// <summary>dst op= src, 64-bit.</summary>
    public static BpfInstruction Alu64Register(byte operation, int destination, int source) => new((byte)(ClassAlu64 | operation | SourceX), destination, source, 0, 0);

    /// <summary>dst = *(size *)(src + offset).</summary>
    public static BpfInstruction Load(byte size, int destination, int source, short offset) => new((byte)(ClassLdx | ModeMem | size), destination, source, offset, 0);

    /// <summary>*(size *)(dst + offset) = src.</summary>
    public static BpfInstruction Store(byte size, int destination, short offset, int source) => new((byte)(ClassStx | ModeMem | size), destination, source, offset, 0);

    /// <summary>*(size *)(dst + offset) = imm.</summary>
    public static BpfInstruction StoreImmediate(byte size, int destination, short offset, int immediate) => new((byte)(ClassSt | ModeMem | size), destination, 0, offset, immediate);

    /// <summary>lock *(u64 *)(dst + offset) += src (BPF_ATOMIC with imm BPF_ADD).</summary>
    public static BpfInstruction AtomicAdd64(int destination, short offset, int source) => new(ClassStx | ModeAtomic | SizeDw, destination, source, offset, AluAdd);

    /// <summary>if (dst op imm) goto pc + 1 + offset.</summary>
    public static BpfInstruction Jump(byte operation, int destination, int immediate, short offset) => new((byte)(ClassJmp | operation | SourceK), destination, 0, offset, immediate);

    /// <summary>if (dst op src) goto pc + 1 + offset.</summary>
    public static BpfInstruction JumpRegister(byte operation, int destination, int source, short offset) => new((byte)(ClassJmp | operation | SourceX), destination, source, offset, 0);

    /// <summary>goto pc + 1 + offset.</summary>
    public static BpfInstruction JumpAlwaysTo(short offset) => new(ClassJmp | JumpAlways, 0, 0, offset, 0);

    /// <summary>call helper (enum bpf_func_id).</summary>
    public static BpfInstruction Call(int helper) => new(ClassJmp | JumpCall, 0, 0, 0, helper);

    /// <summary>return r0.</summary>
    public static BpfInstruction Exit() => new(ClassJmp | JumpExit, 0, 0, 0, 0);

    /// <summary>
    /// dst = map (ldimm64 with src_reg BPF_PSEUDO_MAP_FD): two slots, the second carrying the upper 32 bits of
    /// the immediate (0 here). The verifier replaces the fd with the kernel's map pointer.
    /// </summary>
    public static (BpfInstruction First, BpfInstruction Second) LoadMapFd(int destination, int mapFd) =>
        (new(ClassLd | ModeImm | SizeDw, destination, PseudoMapFd, 0, mapFd), default);
}
