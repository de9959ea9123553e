using RawBpf.Uapi;

namespace RawBpf.Loader.Maps;

/// <summary>What the kernel reports about a map (struct bpf_map_info).</summary>
public sealed record BpfMapInformation(
    uint Id, BpfMapType Type, string Name, uint KeySize, uint ValueSize, uint MaxEntries, BpfMapFlags Flags, uint BtfId,
    uint BtfKeyTypeId, uint BtfValueTypeId)
{
    /// <summary>btf_vmlinux_value_type_id: for a struct_ops map the kernel's <c>struct bpf_struct_ops_&lt;name&gt;</c> in vmlinux BTF; else 0.</summary>
    public uint BtfVmlinuxValueTypeId { get; init; }
}
