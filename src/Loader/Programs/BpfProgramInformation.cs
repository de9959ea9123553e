using RawBpf.Uapi;

namespace RawBpf.Loader.Programs;

/// <summary>What the kernel reports about a loaded program (struct bpf_prog_info).</summary>
public sealed record BpfProgramInformation(
    uint Id, BpfProgramType Type, string Name, string Tag, uint XlatedLength, uint JitedLength, uint MapCount,
    uint BtfId, uint FuncInfoCount, uint LineInfoCount, uint VerifiedInstructions, bool GplCompatible);
