using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_CLOEXEC = 0x80000;
    public const int O_NONBLOCK = 0x800;     // the same on x86-64 and arm64
    public const int F_GETFD = 1;

    /// <summary>S_IFMT and S_IFCHR (sys/stat.h): st_mode's file type bits and the character device type.</summary>
    public const uint StatFileTypeMask = 0xf000;
    public const uint StatCharacterDevice = 0x2000;

    /// <summary><c>ssize_t write(int fd, const void *buf, size_t count)</c>: at the descriptor's shared offset.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nuint count);

    /// <summary><c>int open(const char *path, int flags)</c>, without O_CREAT (so without a mode argument).</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

}
