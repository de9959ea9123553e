using RawBpf.Uapi;

namespace RawBpf.Loader.Maps;

/// <summary>What the kernel reports about a map (struct bpf_map_info).</summary>
public sealed record BpfMapInformation(
    uint Id, BpfMapType Type, string Name, uint KeySize, uint ValueSize, uint MaxEntries, BpfMapFlags Flags, uint BtfId,
    uint BtfKeyTypeId, uint BtfValueTypeId);
