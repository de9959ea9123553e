namespace RawBpf.Uapi;

/// <summary>uapi <c>enum bpf_link_type</c> (linux/bpf.h): what BPF_OBJ_GET_INFO_BY_FD reports as a link's type.</summary>
public enum BpfLinkType : uint
{
    Unspecified = 0,
    RawTracepoint = 1,
    Tracing = 2,
    Cgroup = 3,
    Iter = 4,
    Netns = 5,
    Xdp = 6,
    PerfEvent = 7,
    KprobeMulti = 8,
    StructOps = 9,
    Netfilter = 10,
    Tcx = 11,
    UprobeMulti = 12,
    Netkit = 13,
    Sockmap = 14,
}
