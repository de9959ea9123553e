using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_MAP_GET_NEXT_KEY: <c>next_key</c> shares its offset with <c>value</c>. A NULL
/// (or absent) <c>key</c> asks for the first key; ENOENT means the iteration is over.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct MapGetNextKeyAttr : IBpfAttr
{
    [FieldOffset(0)] public uint MapFd;     // __u32 map_fd
    [FieldOffset(8)] public ulong Key;      // __aligned_u64 key: current key, or 0 for the first
    [FieldOffset(16)] public ulong NextKey; // __aligned_u64 next_key: buffer of key_size bytes

    public readonly void Describe(StringBuilder text) =>
        text.Field("map_fd", MapFd).Field("key", Key == 0 ? "NULL" : "buf");
}
