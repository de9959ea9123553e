using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static unsafe partial class Libc
{
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    /// <summary><c>int eventfd(unsigned int initval, int flags)</c>: used to wake an epoll_wait on cancellation.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initialValue, int flags);

    /// <summary><c>ssize_t write(int fd, const void *buf, size_t count)</c>: eventfd takes an 8-byte counter increment.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);

    /// <summary><c>ssize_t read(int fd, void *buf, size_t count)</c>: resets an eventfd counter.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);
}
