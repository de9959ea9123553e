using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_OBJ_GET_INFO_BY_FD (the <c>info</c> struct): the kernel fills
/// <c>struct bpf_prog_info</c>/<c>bpf_map_info</c>/<c>bpf_link_info</c>/<c>bpf_btf_info</c> up to
/// min(info_len, its own size) and writes back the length it used.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ObjGetInfoByFdAttr : IBpfAttr
{
    [FieldOffset(0)] public uint BpfFd;    // __u32 bpf_fd
    [FieldOffset(4)] public uint InfoLen;  // __u32 info_len: in: buffer size; out: bytes written
    [FieldOffset(8)] public ulong Info;    // __aligned_u64 info: user pointer

    public readonly void Describe(StringBuilder text) => text.Field("bpf_fd", BpfFd).Field("info_len", InfoLen);
}
