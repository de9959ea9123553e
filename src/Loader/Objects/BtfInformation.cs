namespace RawBpf.Loader.Objects;

/// <summary>What the kernel reports about a BTF object (struct bpf_btf_info).</summary>
public sealed record BtfInformation(uint Id, uint Size, bool IsKernelBtf);
