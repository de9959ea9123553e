using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static partial class Libc
{
    /// <summary>_IO('$', 0): start counting / delivering a perf event (include/uapi/linux/perf_event.h).</summary>
    public const ulong PERF_EVENT_IOC_ENABLE = 0x2400;

    /// <summary>_IO('$', 1).</summary>
    public const ulong PERF_EVENT_IOC_DISABLE = 0x2401;

    /// <summary>_IOW('$', 8, __u32): attach a BPF program (its fd is the argument) to a tracepoint/kprobe perf event.</summary>
    public const ulong PERF_EVENT_IOC_SET_BPF = 0x40042408;

    /// <summary><c>int ioctl(int fd, unsigned long request, ...)</c> with one integer argument.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, ulong request, long argument);
}
