using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_BTF_LOAD: the raw .BTF blob (header, types, strings). 32 bytes: up to
/// <c>btf_log_true_size</c> (6.4, newer than the installed header).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct BtfLoadAttr : IBpfAttr
{
    [FieldOffset(0)] public ulong Btf;             // __aligned_u64 btf: user pointer to the blob
    [FieldOffset(8)] public ulong BtfLogBuf;       // __aligned_u64 btf_log_buf
    [FieldOffset(16)] public uint BtfSize;         // __u32 btf_size
    [FieldOffset(20)] public uint BtfLogSize;      // __u32 btf_log_size
    [FieldOffset(24)] public uint BtfLogLevel;     // __u32 btf_log_level
    [FieldOffset(28)] public uint BtfLogTrueSize;  // __u32 btf_log_true_size (6.4): written by the kernel

    public readonly void Describe(StringBuilder text)
    {
        text.Field("btf_size", BtfSize);
        if (BtfLogLevel != 0)
        {
            text.Field("btf_log_level", BtfLogLevel).Field("btf_log_size", BtfLogSize);
        }
    }
}
