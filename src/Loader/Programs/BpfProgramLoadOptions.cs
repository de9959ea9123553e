using RawBpf.Elf;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Objects;
using RawBpf.Uapi;

namespace RawBpf.Loader.Programs;

/// <summary>What BPF_PROG_LOAD needs besides the instructions.</summary>
public sealed record BpfProgramLoadOptions
{
    public required BpfProgramType Type { get; init; }

    /// <summary>Name (the kernel keeps 15 bytes of [A-Za-z0-9_.]; longer names are truncated).</summary>
    public string? Name { get; init; }

    /// <summary>The license string; GPL-compatible licenses unlock GPL-only helpers (bpf_probe_read_kernel...).</summary>
    public string License { get; init; } = "GPL";

    /// <summary>expected_attach_type: needed at load time by tracing (fentry, tp_btf = TraceRawTp), cgroup and others.</summary>
    public BpfAttachType ExpectedAttachType { get; init; }

    /// <summary>attach_btf_id: the vmlinux (or module) BTF type the program attaches to (tp_btf, fentry, lsm).</summary>
    public uint AttachBtfId { get; init; }

    /// <summary>attach_btf_obj_fd: the module BTF that <see cref="AttachBtfId"/> refers to; null for vmlinux.</summary>
    public BpfFileDescriptor? AttachBtfObject { get; init; }

    /// <summary>
    /// fd_array: the BTF objects of the modules whose kfuncs the program calls; a call's offset is the index here
    /// (0, for vmlinux, is left empty: null). Empty: none.
    /// </summary>
    public IReadOnlyList<BpfFileDescriptor?> FdArray { get; init; } = [];

    /// <summary>prog_btf_fd: the object's BTF, which func_info and line_info refer to.</summary>
    public BpfBtfObject? Btf { get; init; }

    /// <summary>Raw struct bpf_func_info records, as in .BTF.ext, with instruction offsets relative to this program.</summary>
    public ReadOnlyMemory<byte> FuncInfo { get; init; }

    /// <summary>func_info_rec_size: the record size .BTF.ext declares (8 today; the kernel accepts larger ones).</summary>
    public uint FuncInfoRecordSize { get; init; } = 8;

    /// <summary>Raw struct bpf_line_info records.</summary>
    public ReadOnlyMemory<byte> LineInfo { get; init; }

    /// <summary>line_info_rec_size (16 today).</summary>
    public uint LineInfoRecordSize { get; init; } = 16;

    /// <summary>kern_version: only kprobe programs on kernels before 5.0 check it.</summary>
    public uint KernelVersion { get; init; }

    /// <summary>prog_flags (BPF_F_SLEEPABLE, BPF_F_STRICT_ALIGNMENT...).</summary>
    public uint Flags { get; init; }

    /// <summary>0: request a log only after a failure (the default). 1 or 2: always log, kept in <see cref="BpfProgram.VerifierLog"/>.</summary>
    public uint LogLevel { get; init; }

    /// <summary>Cap for the verifier log buffer.</summary>
    public int MaxLogSize { get; init; } = LogRetry.DefaultMaxLogSize;
}
