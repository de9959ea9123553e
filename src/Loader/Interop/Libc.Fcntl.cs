using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static partial class Libc
{
    /// <summary>Duplicate onto the lowest free descriptor >= the argument, close-on-exec.</summary>
    public const int F_DUPFD_CLOEXEC = 1030;

    /// <summary><c>int fcntl(int fd, int cmd, int arg)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int command, int argument);
}
