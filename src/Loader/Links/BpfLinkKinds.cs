using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

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
