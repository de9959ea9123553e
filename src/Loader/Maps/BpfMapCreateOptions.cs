using RawBpf.Loader.Objects;
using RawBpf.Uapi;

namespace RawBpf.Loader.Maps;

/// <summary>What BPF_MAP_CREATE needs: the fields of the map definition in an object's <c>.maps</c> section.</summary>
public sealed record BpfMapCreateOptions
{
    public required BpfMapType Type { get; init; }

    public uint KeySize { get; init; }

    public uint ValueSize { get; init; }

    public required uint MaxEntries { get; init; }

    /// <summary>map_flags.</summary>
    public BpfMapFlags Flags { get; init; }

    /// <summary>Name (truncated to 15 bytes and filtered to what the kernel accepts).</summary>
    public string? Name { get; init; }

    /// <summary>The object's BTF, when the map definition is BTF-described.</summary>
    public BpfBtfObject? Btf { get; init; }

    public uint BtfKeyTypeId { get; init; }

    public uint BtfValueTypeId { get; init; }

    /// <summary>btf_vmlinux_value_type_id (STRUCT_OPS): the kernel's <c>struct bpf_struct_ops_&lt;name&gt;</c>, the map's value type.</summary>
    public uint BtfVmlinuxValueTypeId { get; init; }

    /// <summary>Template inner map for ARRAY_OF_MAPS and HASH_OF_MAPS.</summary>
    public BpfMap? InnerMap { get; init; }

    /// <summary>map_extra (BLOOM_FILTER: number of hash functions).</summary>
    public ulong MapExtra { get; init; }
}
