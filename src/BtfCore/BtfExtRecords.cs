namespace RawBpf.BtfCore;

/// <summary>uapi <c>struct bpf_func_info</c>: the BTF FUNC that starts at an instruction.</summary>
/// <param name="InstructionOffset">In <c>.BTF.ext</c> a byte offset into the section; the kernel takes an instruction index.</param>
public readonly record struct BpfFuncInfo(uint InstructionOffset, int TypeId);

/// <summary>uapi <c>struct bpf_line_info</c>: the source line of an instruction.</summary>
/// <param name="InstructionOffset">In <c>.BTF.ext</c> a byte offset into the section; the kernel takes an instruction index.</param>
public readonly record struct BpfLineInfo(uint InstructionOffset, uint FileNameOffset, uint LineOffset, uint LineColumn)
{
    /// <summary><c>BPF_LINE_INFO_LINE_NUM</c>: the upper 22 bits.</summary>
    public uint Line => LineColumn >> 10;

    /// <summary><c>BPF_LINE_INFO_LINE_COL</c>: the lower 10 bits.</summary>
    public uint Column => LineColumn & 0x3ff;
}

/// <summary>uapi <c>enum bpf_core_relo_kind</c>.</summary>
public enum BpfCoreRelocationKind : uint
{
    FieldByteOffset = 0,
    FieldByteSize = 1,
    FieldExists = 2,
    FieldSigned = 3,
    FieldLShiftU64 = 4,
    FieldRShiftU64 = 5,
    TypeIdLocal = 6,
    TypeIdTarget = 7,
    TypeExists = 8,
    TypeSize = 9,
    EnumValueExists = 10,
    EnumValueValue = 11,
    TypeMatches = 12,
}

/// <summary>uapi <c>struct bpf_core_relo</c>: one CO-RE relocation clang recorded.</summary>
/// <param name="InstructionOffset">Byte offset of the instruction to patch within its section.</param>
/// <param name="TypeId">The root type in the object's local BTF.</param>
/// <param name="AccessStringOffset">The access string (<c>0:1:2</c>) in the local BTF's strings.</param>
public readonly record struct BpfCoreRelocation(uint InstructionOffset, int TypeId, uint AccessStringOffset, BpfCoreRelocationKind Kind);
