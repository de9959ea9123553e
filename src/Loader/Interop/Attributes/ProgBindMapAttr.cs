using System.Runtime.InteropServices;
using System.Text;

using RawBpf.Loader;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_PROG_BIND_MAP (5.10): adds a map to a loaded program's used maps, so the map
/// lives as long as the program (libbpf binds .rodata this way, for its bpf_metadata_* variables).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 12)]
internal struct ProgBindMapAttr : IBpfAttr
{
    [FieldOffset(0)] public uint ProgFd;    // __u32 prog_fd
    [FieldOffset(4)] public uint MapFd;     // __u32 map_fd
    [FieldOffset(8)] public uint Flags;     // __u32 flags: none defined

    public readonly void Describe(StringBuilder text) => text.Field("prog_fd", ProgFd).Field("map_fd", MapFd);
}
