using RawBpf.Elf;
using RawBpf.Loader.Objects;

namespace RawBpf.Loader.Maps;

/// <summary>What BPF_MAP_CREATE needs: the fields of the map definition in an object's <c>.maps</c> section.</summary>
public sealed record BpfMapCreateOptions
{
    public required BpfMapType Type { get; init; }

    public uint KeySize { get; init; }

    public uint ValueSize { get; init; }

    public required uint MaxEntries { get; init; }

    /// <summary>map_flags: see <see cref="BpfMapFlags"/>.</summary>
    public uint Flags { get; init; }

    /// <summary>Name (truncated to 15 bytes and filtered to what the kernel accepts).</summary>
    public string? Name { get; init; }

    /// <summary>The object's BTF, when the map definition is BTF-described.</summary>
    public BpfBtfObject? Btf { get; init; }

    public uint BtfKeyTypeId { get; init; }

    public uint BtfValueTypeId { get; init; }

    /// <summary>Template inner map for ARRAY_OF_MAPS and HASH_OF_MAPS.</summary>
    public BpfMap? InnerMap { get; init; }

    /// <summary>map_extra (BLOOM_FILTER: number of hash functions).</summary>
    public ulong MapExtra { get; init; }
}

/// <summary>map_flags values (BPF_F_* in bpf.h).</summary>
public static class BpfMapFlags
{
    public const uint NoPrealloc = 1U << 0;      // BPF_F_NO_PREALLOC
    public const uint NoCommonLru = 1U << 1;     // BPF_F_NO_COMMON_LRU
    public const uint NumaNode = 1U << 2;        // BPF_F_NUMA_NODE
    public const uint ReadOnly = 1U << 3;        // BPF_F_RDONLY: user space may only read
    public const uint WriteOnly = 1U << 4;       // BPF_F_WRONLY
    public const uint ZeroSeed = 1U << 6;        // BPF_F_ZERO_SEED
    public const uint ReadOnlyProgram = 1U << 7; // BPF_F_RDONLY_PROG: the program may only read (.rodata)
    public const uint WriteOnlyProgram = 1U << 8; // BPF_F_WRONLY_PROG
    public const uint Mmapable = 1U << 10;       // BPF_F_MMAPABLE
}

/// <summary>Flags of BPF_MAP_UPDATE_ELEM.</summary>
public enum BpfMapUpdateFlags : ulong
{
    /// <summary>BPF_ANY: create or replace.</summary>
    Any = 0,

    /// <summary>BPF_NOEXIST: only create.</summary>
    NoExist = 1,

    /// <summary>BPF_EXIST: only replace.</summary>
    Exist = 2,
}
