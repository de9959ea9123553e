using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_PROG_GET_NEXT_ID (and MAP_/LINK_/BTF_GET_NEXT_ID): walks the ids of every loaded
/// object in ascending order; ENOENT after the last one.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 12)]
internal struct GetNextIdAttr : IBpfAttr
{
    [FieldOffset(0)] public uint StartId;   // __u32 start_id
    [FieldOffset(4)] public uint NextId;    // __u32 next_id: written by the kernel
    [FieldOffset(8)] public uint OpenFlags; // __u32 open_flags

    public readonly void Describe(StringBuilder text) => text.Field("start_id", StartId);
}

/// <summary>
/// <c>union bpf_attr</c> for BPF_PROG_GET_FD_BY_ID (and MAP_/LINK_/BTF_GET_FD_BY_ID): a new fd for an object
/// that still exists; ENOENT once it is gone.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 12)]
internal struct GetFdByIdAttr : IBpfAttr
{
    [FieldOffset(0)] public uint Id;        // union { __u32 prog_id; __u32 map_id; __u32 btf_id; __u32 link_id; }
    [FieldOffset(8)] public uint OpenFlags; // __u32 open_flags

    public readonly void Describe(StringBuilder text) => text.Field("id", Id);
}
