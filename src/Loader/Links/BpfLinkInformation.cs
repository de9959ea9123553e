namespace RawBpf.Loader.Links;

/// <summary>What the kernel reports about a link (struct bpf_link_info head).</summary>
public sealed record BpfLinkInformation(uint Id, uint Type, uint ProgramId);
