using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Loader;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_PROG_ATTACH and BPF_PROG_DETACH (4.10): the attachment before bpf_links, owned by
/// the target (a cgroup) rather than by an fd, so it outlives the process unless detached. Ends at
/// <c>replace_bpf_fd</c> (5.6); the mprog fields after it (6.6) stay zero.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 20)]
internal struct ProgAttachAttr : IBpfAttr
{
    /// <summary>BPF_F_ALLOW_MULTI: the program runs alongside the cgroup's other programs (what a link gives).</summary>
    public const uint BPF_F_ALLOW_MULTI = 1U << 1;

    [FieldOffset(0)] public uint TargetFd;     // union { __u32 target_fd; __u32 target_ifindex; }: the cgroup fd
    [FieldOffset(4)] public uint AttachBpfFd;  // __u32 attach_bpf_fd: the program
    [FieldOffset(8)] public uint AttachType;   // __u32 attach_type: enum bpf_attach_type
    [FieldOffset(12)] public uint AttachFlags; // __u32 attach_flags: BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI, BPF_F_REPLACE
    [FieldOffset(16)] public uint ReplaceBpfFd; // __u32 replace_bpf_fd: with BPF_F_REPLACE only

    public readonly void Describe(StringBuilder text)
    {
        text.Field("target_fd", TargetFd).Field("attach_bpf_fd", AttachBpfFd)
            .Field("attach_type", UapiNames.Of((BpfAttachType)AttachType));
        if (AttachFlags != 0)
        {
            text.Field("attach_flags", AttachFlags == BPF_F_ALLOW_MULTI ? "BPF_F_ALLOW_MULTI" : AttachFlags.ToString(CultureInfo.InvariantCulture));
        }
    }
}
