using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_RAW_TRACEPOINT_OPEN (4.17): returns a link fd for a raw_tp program (by
/// tracepoint name) or a BTF-typed tp_btf/fentry program (name NULL: the target came from attach_btf_id).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct RawTracepointOpenAttr : IBpfAttr
{
    [FieldOffset(0)] public ulong Name;   // __u64 name: NUL-terminated tracepoint name, e.g. "sched_process_exit"
    [FieldOffset(8)] public uint ProgFd;  // __u32 prog_fd
    // (6.10 appends __aligned_u64 cookie at 16; left out so older kernels see exactly what they know.)

    public readonly void Describe(StringBuilder text) =>
        text.Field("name", AttrText.CString(Name)).Field("prog_fd", ProgFd);
}
