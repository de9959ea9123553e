using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_LINK_CREATE (5.7; perf events since 5.15): creates a bpf_link, an fd whose
/// close detaches the program. The tail is a per-attach-type union.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct LinkCreateAttr : IBpfAttr
{
    [FieldOffset(0)] public uint ProgFd;        // __u32 prog_fd
    [FieldOffset(4)] public uint TargetFd;      // union { __u32 target_fd; __u32 target_ifindex; }: the perf event fd for BPF_PERF_EVENT
    [FieldOffset(8)] public uint AttachType;    // __u32 attach_type: enum bpf_attach_type
    [FieldOffset(12)] public uint Flags;        // __u32 flags
    [FieldOffset(16)] public uint TargetBtfId;  // union member __u32 target_btf_id (tracing.target_btf_id overlays it)
    [FieldOffset(16)] public ulong BpfCookie;   // union member perf_event.bpf_cookie (5.15): read by bpf_get_attach_cookie()
    [FieldOffset(24)] public ulong TracingCookie; // tracing.cookie (6.6)

    public readonly void Describe(StringBuilder text)
    {
        text.Field("prog_fd", ProgFd).Field("target_fd", ((int)TargetFd).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Field("attach_type", UapiNames.Of((BpfAttachType)AttachType));
        if (TargetBtfId != 0)
        {
            text.Field("target_btf_id", TargetBtfId);
        }
    }
}
