using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

/// <summary>
/// libc's <c>long syscall(long number, ...)</c>, declared once per arity, for the calls glibc has no wrapper for;
/// the numbers are in <see cref="ArchitectureAbi"/>. The C prototype is variadic, but on x86-64 and on arm64
/// Linux (AAPCS64: variadic arguments travel in the same registers as fixed ones) a fixed-arity prototype passes
/// the same registers, and it is the only kind Native AOT supports (<c>__arglist</c> crashes).
/// </summary>
internal static unsafe partial class Libc
{
    /// <summary><c>bpf(int cmd, union bpf_attr *attr, unsigned int size)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long syscall(long number, long arg1, void* arg2, long arg3);

    /// <summary><c>perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd, unsigned long flags)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long syscall(long number, void* arg1, long arg2, long arg3, long arg4, long arg5);
}
