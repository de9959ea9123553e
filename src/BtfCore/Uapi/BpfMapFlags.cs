namespace RawBpf.Uapi;

/// <summary><c>map_flags</c> of BPF_MAP_CREATE (the <c>BPF_F_*</c> enum in uapi linux/bpf.h).</summary>
[Flags]
public enum BpfMapFlags : uint
{
    None = 0,

    /// <summary><c>BPF_F_NO_PREALLOC</c>: hash maps allocate elements on update.</summary>
    NoPrealloc = 1U << 0,

    /// <summary><c>BPF_F_NO_COMMON_LRU</c>: an LRU list per CPU.</summary>
    NoCommonLru = 1U << 1,

    /// <summary><c>BPF_F_NUMA_NODE</c>: numa_node is set.</summary>
    NumaNode = 1U << 2,

    /// <summary><c>BPF_F_RDONLY</c>: user space may only read.</summary>
    ReadOnly = 1U << 3,

    /// <summary><c>BPF_F_WRONLY</c>: user space may only write.</summary>
    WriteOnly = 1U << 4,

    /// <summary><c>BPF_F_STACK_BUILD_ID</c>: a stack trace map stores build ids and offsets.</summary>
    StackBuildId = 1U << 5,

    /// <summary><c>BPF_F_ZERO_SEED</c>: hash with seed 0 (tests only).</summary>
    ZeroSeed = 1U << 6,

    /// <summary><c>BPF_F_RDONLY_PROG</c>: programs may only read the map (.rodata, .kconfig).</summary>
    ReadOnlyProgram = 1U << 7,

    /// <summary><c>BPF_F_WRONLY_PROG</c>: programs may only write.</summary>
    WriteOnlyProgram = 1U << 8,

    /// <summary><c>BPF_F_CLONE</c>: sk_storage is cloned with the socket.</summary>
    Clone = 1U << 9,

    /// <summary><c>BPF_F_MMAPABLE</c>: user space may mmap an array map's values.</summary>
    Mmapable = 1U << 10,

    /// <summary><c>BPF_F_PRESERVE_ELEMS</c>: perf event array entries outlive the fd that added them.</summary>
    PreserveElements = 1U << 11,

    /// <summary><c>BPF_F_INNER_MAP</c>: an inner map whose max_entries may differ per outer slot.</summary>
    InnerMap = 1U << 12,

    /// <summary><c>BPF_F_LINK</c> (6.4): a struct_ops map registered through a bpf_link (BPF_LINK_CREATE), not by its update.</summary>
    Link = 1U << 13,
}
