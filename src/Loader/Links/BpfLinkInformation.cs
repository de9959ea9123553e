namespace RawBpf.Loader.Links;

/// <summary>What the kernel reports about a link (struct bpf_link_info).</summary>
/// <param name="Type">uapi enum bpf_link_type (<see cref="RawBpf.Uapi.BpfLinkType"/>).</param>
public sealed record BpfLinkInformation(uint Id, uint Type, uint ProgramId)
{
    /// <summary>The link type as bpftool names it, e.g. <c>perf_event</c>, <c>kprobe_multi</c>.</summary>
    public string Kind => BpfLinkKinds.Name(Type);

    /// <summary>What it is attached to, as far as this kernel says (e.g. <c>kprobe do_sys_openat2</c>, <c>target task</c>); null when it says nothing.</summary>
    public string? Target { get; init; }
}
