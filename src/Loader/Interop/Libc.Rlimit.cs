using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

/// <summary><c>struct rlimit</c>: two <c>rlim_t</c> (unsigned long) values.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ResourceLimit
{
    public ulong Current;
    public ulong Maximum;
}

internal static unsafe partial class Libc
{
    /// <summary>RLIMIT_MEMLOCK: before 5.11 the kernel charged BPF maps and programs against it.</summary>
    public const int RLIMIT_MEMLOCK = 8;

    /// <summary>RLIM_INFINITY: (rlim_t)-1.</summary>
    public const ulong RLIM_INFINITY = ulong.MaxValue;

    /// <summary><c>int getrlimit(int resource, struct rlimit *rlim)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int getrlimit(int resource, ResourceLimit* limit);

    /// <summary><c>int setrlimit(int resource, const struct rlimit *rlim)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int setrlimit(int resource, ResourceLimit* limit);
}
