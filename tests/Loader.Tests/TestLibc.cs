using System.Runtime.InteropServices;

namespace RawBpf.Loader.Tests;

/// <summary>Calls the tests use to trigger tracepoints and to open cgroup directories.</summary>
internal static partial class TestLibc
{
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;

    /// <summary>getpid(2): triggers syscalls/sys_enter_getpid (glibc no longer caches it).</summary>
    [LibraryImport("libc")]
    public static partial int getpid();

    [LibraryImport("libc")]
    public static partial int gettid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    public static int OpenFdCount() => Directory.GetFiles("/proc/self/fd").Length;
}
