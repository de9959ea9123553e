using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_OBJ_PIN: gives an object a path in a bpf filesystem, which keeps it alive after
/// every fd is closed (until the file is unlinked).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ObjPinAttr : IBpfAttr
{
    [FieldOffset(0)] public ulong Pathname;  // __aligned_u64 pathname: NUL-terminated path inside bpffs
    [FieldOffset(8)] public uint BpfFd;      // __u32 bpf_fd: the object to pin
    [FieldOffset(12)] public uint FileFlags; // __u32 file_flags: must be 0 for PIN

    public readonly void Describe(StringBuilder text) =>
        text.Field("pathname", AttrText.CString(Pathname)).Field("bpf_fd", BpfFd);
}

/// <summary>
/// <c>union bpf_attr</c> for BPF_OBJ_GET: opens a pinned object; same layout as BPF_OBJ_PIN, bpf_fd must be 0.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ObjGetAttr : IBpfAttr
{
    [FieldOffset(0)] public ulong Pathname;  // __aligned_u64 pathname
    [FieldOffset(8)] public uint BpfFd;      // __u32 bpf_fd: 0
    [FieldOffset(12)] public uint FileFlags; // __u32 file_flags: 0, BPF_F_RDONLY or BPF_F_WRONLY (maps)

    public readonly void Describe(StringBuilder text)
    {
        text.Field("pathname", AttrText.CString(Pathname));
        if (FileFlags != 0)
        {
            text.Field("file_flags", FileFlags);
        }
    }
}
