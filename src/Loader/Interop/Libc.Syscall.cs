using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

/// <summary>
/// libc's <c>long syscall(long number, ...)</c>, declared once per arity. The C prototype is variadic, but on
/// x86-64 glibc implements it in assembly that only moves registers, so fixed-arity prototypes are safe, and they
/// are the only ones Native AOT supports (<c>__arglist</c> crashes).
/// </summary>
internal static unsafe partial class Libc
{
    /// <summary>__NR_bpf on x86-64 (arch/x86/entry/syscalls/syscall_64.tbl).</summary>
    public const long SysBpf = 321;

    /// <summary>__NR_perf_event_open on x86-64.</summary>
    public const long SysPerfEventOpen = 298;

    /// <summary><c>bpf(int cmd, union bpf_attr *attr, unsigned int size)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long syscall(long number, long arg1, void* arg2, long arg3);

    /// <summary><c>perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd, unsigned long flags)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long syscall(long number, void* arg1, long arg2, long arg3, long arg4, long arg5);
}
