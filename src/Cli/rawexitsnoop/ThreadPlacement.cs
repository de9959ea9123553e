using System.Runtime.InteropServices;

namespace RawBpf.Cli;

/// <summary>
/// Keeps a helper thread off the CPU of the thread that started it. The scheduler places a new thread beside
/// its creator and moves it only at the next load balance, a few ms later: for a start-up that runs two threads
/// for 1-2 ms each (rawexitsnoop parses vmlinux beside the load) that serialises them. Measured in
/// docs/benchmarks.md: attached ~1 ms sooner on 2 CPUs. The tool's own start-up concern, so it lives here: these
/// calls change only the calling thread's placement, nothing of the kernel's BPF state the Loader manages.
/// </summary>
internal static unsafe partial class ThreadPlacement
{
    /// <summary><c>cpu_set_t</c> holds 1024 CPUs.</summary>
    private const int CpuSetWords = 1024 / 64;

    /// <summary>The CPU the calling thread runs on now, or -1 if the kernel does not say.</summary>
    public static int CurrentCpu => sched_getcpu();

    /// <summary>
    /// Lets the calling thread run on every CPU it may run on except <paramref name="cpu"/>. Does nothing (and
    /// returns false) when that would leave no CPU, or when <paramref name="cpu"/> is -1 or out of range.
    /// </summary>
    public static bool AvoidCpu(int cpu)
    {
        if (cpu < 0 || cpu >= CpuSetWords * 64)
            return false;
        var mask = stackalloc ulong[CpuSetWords];
        if (sched_getaffinity(0, CpuSetWords * sizeof(ulong), mask) != 0)
            return false;
        mask[cpu / 64] &= ~(1UL << (cpu % 64));
        for (var word = 0; word < CpuSetWords; word++)
        {
            if (mask[word] != 0)
                return sched_setaffinity(0, CpuSetWords * sizeof(ulong), mask) == 0;
        }
        return false;
    }

    /// <summary><c>int sched_getcpu(void)</c>: the CPU the calling thread runs on, or -1.</summary>
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getcpu();

    /// <summary><c>int sched_getaffinity(pid_t pid, size_t cpusetsize, cpu_set_t *mask)</c>; pid 0 is the calling thread.</summary>
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint size, ulong* mask);

    /// <summary><c>int sched_setaffinity(pid_t pid, size_t cpusetsize, const cpu_set_t *mask)</c>; pid 0 is the calling thread.</summary>
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint size, ulong* mask);
}
