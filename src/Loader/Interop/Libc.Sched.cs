using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static unsafe partial class Libc
{
    /// <summary><c>int sched_getcpu(void)</c>: the CPU the calling thread runs on, or -1.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int sched_getcpu();

    /// <summary><c>int sched_getaffinity(pid_t pid, size_t cpusetsize, cpu_set_t *mask)</c>; pid 0 is the calling thread.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int sched_getaffinity(int pid, nuint size, ulong* mask);

    /// <summary><c>int sched_setaffinity(pid_t pid, size_t cpusetsize, const cpu_set_t *mask)</c>; pid 0 is the calling thread.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int sched_setaffinity(int pid, nuint size, ulong* mask);
}
