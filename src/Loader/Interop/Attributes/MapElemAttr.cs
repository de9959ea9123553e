using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM and BPF_MAP_DELETE_ELEM: pointers to user
/// buffers of exactly key_size and value_size bytes (per-CPU maps: round_up(value_size, 8) × possible CPUs).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct MapElemAttr : IBpfAttr
{
    [FieldOffset(0)] public uint MapFd;     // __u32 map_fd
    [FieldOffset(8)] public ulong Key;      // __aligned_u64 key: user pointer
    [FieldOffset(16)] public ulong Value;   // __aligned_u64 value: user pointer (unused by DELETE)
    [FieldOffset(24)] public ulong Flags;   // __u64 flags: BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK

    public readonly void Describe(StringBuilder text)
    {
        text.Field("map_fd", MapFd);
        if (Flags != 0)
        {
            text.Field("flags", Flags);
        }
    }
}
