using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_LINK_CREATE (5.7; perf events since 5.15): creates a bpf_link, an fd whose
/// close detaches the program. The tail is a per-attach-type union; the struct is as long as its longest member
/// (uprobe_multi, 6.6), and the bytes a kernel does not know stay zero, which every kernel accepts.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct LinkCreateAttr : IBpfAttr
{
    [FieldOffset(0)] public uint ProgFd;        // union { __u32 prog_fd; __u32 map_fd; }: map_fd (6.4) for BPF_STRUCT_OPS
    [FieldOffset(4)] public uint TargetFd;      // union { __u32 target_fd; __u32 target_ifindex; }: the perf event fd for BPF_PERF_EVENT
    [FieldOffset(8)] public uint AttachType;    // __u32 attach_type: enum bpf_attach_type
    [FieldOffset(12)] public uint Flags;        // __u32 flags
    [FieldOffset(16)] public uint TargetBtfId;  // union member __u32 target_btf_id (tracing.target_btf_id overlays it)
    [FieldOffset(16)] public ulong IterInfo;    // iter_info: struct bpf_iter_link_info * (5.9)
    [FieldOffset(24)] public uint IterInfoLen;  // iter_info_len
    [FieldOffset(16)] public ulong BpfCookie;   // union member perf_event.bpf_cookie (5.15): read by bpf_get_attach_cookie()
    [FieldOffset(24)] public ulong TracingCookie; // tracing.cookie (6.6)

    // kprobe_multi (5.18): { __u32 flags; __u32 cnt; __aligned_u64 syms, addrs, cookies; }
    [FieldOffset(16)] public uint KprobeMultiFlags;   // BPF_F_KPROBE_MULTI_RETURN
    [FieldOffset(20)] public uint KprobeMultiCount;   // cnt
    [FieldOffset(24)] public ulong KprobeMultiSymbols; // syms: const char **
    [FieldOffset(32)] public ulong KprobeMultiAddresses; // addrs
    [FieldOffset(40)] public ulong KprobeMultiCookies; // cookies: __u64 *

    // uprobe_multi (6.6): { __aligned_u64 path, offsets, ref_ctr_offsets, cookies; __u32 cnt, flags, pid; }
    [FieldOffset(16)] public ulong UprobeMultiPath;     // path: NUL-terminated binary path
    [FieldOffset(24)] public ulong UprobeMultiOffsets;  // offsets: unsigned long * (file offsets)
    [FieldOffset(32)] public ulong UprobeMultiRefCounterOffsets; // ref_ctr_offsets
    [FieldOffset(40)] public ulong UprobeMultiCookies;  // cookies: __u64 *
    [FieldOffset(48)] public uint UprobeMultiCount;     // cnt
    [FieldOffset(52)] public uint UprobeMultiFlags;     // BPF_F_UPROBE_MULTI_RETURN
    [FieldOffset(56)] public uint UprobeMultiPid;       // pid (0: every process)

    /// <summary>kprobe_multi.flags: attach to the functions' returns.</summary>
    public const uint BPF_F_KPROBE_MULTI_RETURN = 1;

    /// <summary>uprobe_multi.flags: attach to the functions' returns.</summary>
    public const uint BPF_F_UPROBE_MULTI_RETURN = 1;

    public readonly void Describe(StringBuilder text)
    {
        text.Field("prog_fd", ProgFd).Field("target_fd", ((int)TargetFd).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Field("attach_type", UapiNames.Of((BpfAttachType)AttachType));
        switch ((BpfAttachType)AttachType)
        {
            case BpfAttachType.TraceKprobeMulti:
                text.Field("kprobe_multi.flags", KprobeMultiFlags).Field("kprobe_multi.cnt", KprobeMultiCount);
                break;
            case BpfAttachType.TraceUprobeMulti:
                text.Field("uprobe_multi.path", AttrText.CString(UprobeMultiPath)).Field("uprobe_multi.cnt", UprobeMultiCount)
                    .Field("uprobe_multi.flags", UprobeMultiFlags).Field("uprobe_multi.pid", UprobeMultiPid);
                break;
            case BpfAttachType.PerfEvent:
                if (BpfCookie != 0)
                {
                    text.Field("perf_event.bpf_cookie", BpfCookie);
                }

                break;
            default:
                if (TargetBtfId != 0)
                {
                    text.Field("target_btf_id", TargetBtfId);
                }

                break;
        }
    }
}

/// <summary><c>union bpf_attr</c> for BPF_ITER_CREATE (5.8): opens a readable fd on an iterator link.</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
internal struct IterCreateAttr : IBpfAttr
{
    [FieldOffset(0)] public uint LinkFd; // __u32 link_fd
    [FieldOffset(4)] public uint Flags;  // __u32 flags: 0

    public readonly void Describe(StringBuilder text) => text.Field("link_fd", LinkFd);
}
