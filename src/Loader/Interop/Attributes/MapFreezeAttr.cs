using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_MAP_FREEZE (5.2): makes the map read-only for user space, so the verifier may
/// treat a BPF_F_RDONLY_PROG map's contents (.rodata) as constants.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 4)]
internal struct MapFreezeAttr : IBpfAttr
{
    [FieldOffset(0)] public uint MapFd;     // __u32 map_fd

    public readonly void Describe(StringBuilder text) => text.Field("map_fd", MapFd);
}
