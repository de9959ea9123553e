namespace RawBpf.Loader.Links;

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

/// <summary>Link type names as bpftool prints them.</summary>
public static class BpfLinkKinds
{
    public static string Name(uint type) => (BpfLinkType)type switch
    {
        BpfLinkType.RawTracepoint => "raw_tracepoint",
        BpfLinkType.Tracing => "tracing",
        BpfLinkType.Cgroup => "cgroup",
        BpfLinkType.Iter => "iter",
        BpfLinkType.Netns => "netns",
        BpfLinkType.Xdp => "xdp",
        BpfLinkType.PerfEvent => "perf_event",
        BpfLinkType.KprobeMulti => "kprobe_multi",
        BpfLinkType.StructOps => "struct_ops",
        BpfLinkType.Netfilter => "netfilter",
        BpfLinkType.Tcx => "tcx",
        BpfLinkType.UprobeMulti => "uprobe_multi",
        BpfLinkType.Netkit => "netkit",
        BpfLinkType.Sockmap => "sockmap",
        _ => "type " + type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
