using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

/// <summary><c>struct bpf_prog_info</c> (232 bytes in the 6.1 header): what BPF_OBJ_GET_INFO_BY_FD returns for a program.</summary>
[StructLayout(LayoutKind.Explicit, Size = 232)]
internal unsafe struct BpfProgInfo
{
    [FieldOffset(0)] public uint Type;               // __u32 type
    [FieldOffset(4)] public uint Id;                 // __u32 id
    [FieldOffset(8)] public fixed byte Tag[8];       // __u8 tag[BPF_TAG_SIZE]
    [FieldOffset(16)] public uint JitedProgLen;      // __u32 jited_prog_len
    [FieldOffset(20)] public uint XlatedProgLen;     // __u32 xlated_prog_len
    [FieldOffset(24)] public ulong JitedProgInsns;   // __aligned_u64 jited_prog_insns
    [FieldOffset(32)] public ulong XlatedProgInsns;  // __aligned_u64 xlated_prog_insns
    [FieldOffset(40)] public ulong LoadTime;         // __u64 load_time: ns since boot
    [FieldOffset(48)] public uint CreatedByUid;      // __u32 created_by_uid
    [FieldOffset(52)] public uint NrMapIds;          // __u32 nr_map_ids
    [FieldOffset(56)] public ulong MapIds;           // __aligned_u64 map_ids
    [FieldOffset(64)] public fixed byte Name[16];    // char name[BPF_OBJ_NAME_LEN]
    [FieldOffset(80)] public uint Ifindex;           // __u32 ifindex
    [FieldOffset(84)] public uint GplCompatible;     // __u32 gpl_compatible:1
    [FieldOffset(128)] public uint BtfId;            // __u32 btf_id
    [FieldOffset(144)] public uint NrFuncInfo;       // __u32 nr_func_info
    [FieldOffset(148)] public uint NrLineInfo;       // __u32 nr_line_info
    [FieldOffset(192)] public ulong RunTimeNs;       // __u64 run_time_ns (with BPF_ENABLE_STATS)
    [FieldOffset(200)] public ulong RunCnt;          // __u64 run_cnt
    [FieldOffset(208)] public ulong RecursionMisses; // __u64 recursion_misses
    [FieldOffset(216)] public uint VerifiedInsns;    // __u32 verified_insns (5.16)
    [FieldOffset(220)] public uint AttachBtfObjId;   // __u32 attach_btf_obj_id
    [FieldOffset(224)] public uint AttachBtfId;      // __u32 attach_btf_id
}

/// <summary><c>struct bpf_map_info</c> (88 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 88)]
internal unsafe struct BpfMapInfo
{
    [FieldOffset(0)] public uint Type;            // __u32 type
    [FieldOffset(4)] public uint Id;              // __u32 id
    [FieldOffset(8)] public uint KeySize;         // __u32 key_size
    [FieldOffset(12)] public uint ValueSize;      // __u32 value_size
    [FieldOffset(16)] public uint MaxEntries;     // __u32 max_entries
    [FieldOffset(20)] public uint MapFlags;       // __u32 map_flags
    [FieldOffset(24)] public fixed byte Name[16]; // char name[BPF_OBJ_NAME_LEN]
    [FieldOffset(40)] public uint Ifindex;        // __u32 ifindex
    [FieldOffset(44)] public uint BtfVmlinuxValueTypeId; // __u32 btf_vmlinux_value_type_id
    [FieldOffset(48)] public ulong NetnsDev;      // __u64 netns_dev
    [FieldOffset(56)] public ulong NetnsIno;      // __u64 netns_ino
    [FieldOffset(64)] public uint BtfId;          // __u32 btf_id
    [FieldOffset(68)] public uint BtfKeyTypeId;   // __u32 btf_key_type_id
    [FieldOffset(72)] public uint BtfValueTypeId; // __u32 btf_value_type_id
    [FieldOffset(80)] public ulong MapExtra;      // __u64 map_extra
}

/// <summary>
/// <c>struct bpf_link_info</c>: a common head and a per-type union at 16, laid out to the largest member newer
/// kernels have (perf_event and uprobe_multi, 6.6-6.8); an older kernel fills what it knows and the rest stays zero.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal struct BpfLinkInfo
{
    [FieldOffset(0)] public uint Type;           // __u32 type: enum bpf_link_type
    [FieldOffset(4)] public uint Id;             // __u32 id
    [FieldOffset(8)] public uint ProgId;         // __u32 prog_id
    [FieldOffset(16)] public ulong TpName;       // raw_tracepoint.tp_name: user buffer (0 = do not copy)
    [FieldOffset(24)] public uint TpNameLen;     // raw_tracepoint.tp_name_len
    [FieldOffset(16)] public uint TracingAttachType; // tracing.attach_type
    [FieldOffset(20)] public uint TracingTargetObjId; // tracing.target_obj_id
    [FieldOffset(24)] public uint TracingTargetBtfId; // tracing.target_btf_id
    [FieldOffset(16)] public ulong CgroupId;     // cgroup.cgroup_id
    [FieldOffset(24)] public uint CgroupAttachType; // cgroup.attach_type
    [FieldOffset(16)] public ulong IterTargetName; // iter.target_name: user buffer
    [FieldOffset(24)] public uint IterTargetNameLen; // iter.target_name_len
    [FieldOffset(16)] public uint NetnsIno;      // netns.netns_ino
    [FieldOffset(20)] public uint NetnsAttachType; // netns.attach_type
    [FieldOffset(16)] public uint Ifindex;       // xdp.ifindex, tcx.ifindex, netkit.ifindex
    [FieldOffset(20)] public uint TcxAttachType; // tcx.attach_type
    [FieldOffset(24)] public uint KprobeMultiCount; // kprobe_multi.count (6.6)
    [FieldOffset(28)] public uint KprobeMultiFlags; // kprobe_multi.flags
    [FieldOffset(16)] public ulong UprobeMultiPath; // uprobe_multi.path: user buffer (6.8)
    [FieldOffset(48)] public uint UprobeMultiPathSize; // uprobe_multi.path_size
    [FieldOffset(52)] public uint UprobeMultiCount; // uprobe_multi.count
    [FieldOffset(56)] public uint UprobeMultiFlags; // uprobe_multi.flags
    [FieldOffset(60)] public uint UprobeMultiPid;  // uprobe_multi.pid
    [FieldOffset(16)] public uint PerfEventType; // perf_event.type: enum bpf_perf_event_type (6.6)
    [FieldOffset(24)] public ulong PerfEventName; // perf_event.{uprobe.file_name, kprobe.func_name, tracepoint.tp_name}: user buffer
    [FieldOffset(32)] public uint PerfEventNameLen; // name_len
    [FieldOffset(36)] public uint PerfEventOffset; // uprobe.offset, kprobe.offset
    [FieldOffset(24)] public ulong PerfEventConfig; // event.config
    [FieldOffset(32)] public uint PerfEventEventType; // event.type
}

/// <summary><c>struct bpf_btf_info</c> (32 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct BpfBtfInfo
{
    [FieldOffset(0)] public ulong Btf;        // __aligned_u64 btf: buffer for the raw blob (0 = do not copy)
    [FieldOffset(8)] public uint BtfSize;     // __u32 btf_size
    [FieldOffset(12)] public uint Id;         // __u32 id
    [FieldOffset(16)] public ulong Name;      // __aligned_u64 name
    [FieldOffset(24)] public uint NameLen;    // __u32 name_len
    [FieldOffset(28)] public uint KernelBtf;  // __u32 kernel_btf: vmlinux or module BTF
}
