using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_PROG_LOAD. 144 bytes: up to and including <c>log_true_size</c> (6.4), which the
/// kernel fills with the log size it needed; a kernel that predates it sees zero tail bytes and ignores them.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal unsafe struct ProgLoadAttr : IBpfAttr
{
    [FieldOffset(0)] public uint ProgType;            // __u32 prog_type: enum bpf_prog_type
    [FieldOffset(4)] public uint InsnCount;           // __u32 insn_cnt: number of 8-byte struct bpf_insn
    [FieldOffset(8)] public ulong Insns;              // __aligned_u64 insns: user pointer
    [FieldOffset(16)] public ulong License;           // __aligned_u64 license: NUL-terminated; "GPL" unlocks GPL-only helpers
    [FieldOffset(24)] public uint LogLevel;           // __u32 log_level: 0 none, 1 the failing path, 2 everything
    [FieldOffset(28)] public uint LogSize;            // __u32 log_size: bytes in log_buf
    [FieldOffset(32)] public ulong LogBuf;            // __aligned_u64 log_buf: user buffer for the verifier log
    [FieldOffset(40)] public uint KernVersion;        // __u32 kern_version: checked for kprobes before 5.0 only
    [FieldOffset(44)] public uint ProgFlags;          // __u32 prog_flags: BPF_F_STRICT_ALIGNMENT, BPF_F_SLEEPABLE...
    [FieldOffset(48)] public fixed byte ProgName[16]; // char prog_name[BPF_OBJ_NAME_LEN]
    [FieldOffset(64)] public uint ProgIfindex;        // __u32 prog_ifindex: offload device
    [FieldOffset(68)] public uint ExpectedAttachType; // __u32 expected_attach_type: enum bpf_attach_type
    [FieldOffset(72)] public uint ProgBtfFd;          // __u32 prog_btf_fd: BTF that func_info/line_info refer to
    [FieldOffset(76)] public uint FuncInfoRecSize;    // __u32 func_info_rec_size: sizeof(struct bpf_func_info) as written by clang (8)
    [FieldOffset(80)] public ulong FuncInfo;          // __aligned_u64 func_info: records { insn_off, type_id }
    [FieldOffset(88)] public uint FuncInfoCount;      // __u32 func_info_cnt
    [FieldOffset(92)] public uint LineInfoRecSize;    // __u32 line_info_rec_size: sizeof(struct bpf_line_info) (16)
    [FieldOffset(96)] public ulong LineInfo;          // __aligned_u64 line_info: records { insn_off, file_name_off, line_off, line_col }
    [FieldOffset(104)] public uint LineInfoCount;     // __u32 line_info_cnt
    [FieldOffset(108)] public uint AttachBtfId;       // __u32 attach_btf_id: vmlinux BTF id of the target (tp_btf, fentry...)
    [FieldOffset(112)] public uint AttachBtfObjFd;    // union { __u32 attach_prog_fd; __u32 attach_btf_obj_fd; }: 0 = vmlinux
    [FieldOffset(116)] public uint CoreReloCount;     // __u32 core_relo_cnt: kernel-side CO-RE (unused: we relocate ourselves)
    [FieldOffset(120)] public ulong FdArray;          // __aligned_u64 fd_array
    [FieldOffset(128)] public ulong CoreRelos;        // __aligned_u64 core_relos
    [FieldOffset(136)] public uint CoreReloRecSize;   // __u32 core_relo_rec_size
    [FieldOffset(140)] public uint LogTrueSize;       // __u32 log_true_size (6.4, newer than the installed 6.1 header): written by the kernel

    public readonly void Describe(StringBuilder text)
    {
        text.Field("prog_type", UapiNames.Of((BpfProgramType)ProgType)).Field("insn_cnt", InsnCount)
            .Field("license", AttrText.CString(License));
        fixed (byte* name = ProgName)
        {
            if (name[0] != 0)
            {
                text.Field("name", AttrText.FixedName(name, 16));
            }
        }

        if (ExpectedAttachType != 0)
        {
            text.Field("expected_attach_type", UapiNames.Of((BpfAttachType)ExpectedAttachType));
        }

        if (AttachBtfId != 0)
        {
            text.Field("attach_btf_id", AttachBtfId);
        }

        if (AttachBtfObjFd != 0)
        {
            text.Field("attach_btf_obj_fd", AttachBtfObjFd);
        }

        if (ProgBtfFd != 0)
        {
            text.Field("prog_btf_fd", ProgBtfFd).Field("func_info_cnt", FuncInfoCount).Field("line_info_cnt", LineInfoCount);
        }

        if (LogLevel != 0)
        {
            text.Field("log_level", LogLevel).Field("log_size", LogSize);
        }
    }
}
