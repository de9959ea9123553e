using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>struct epoll_event</c>. glibc declares it <c>__attribute__((packed))</c> on x86-64, so it is 12 bytes
/// (<c>uint32_t events</c> at 0, <c>epoll_data_t data</c> at 4), not the 16 a naive layout gives.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct EpollEvent
{
    public uint Events;
    public ulong Data;
}

internal static unsafe partial class Libc
{
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001;

    /// <summary><c>int epoll_create1(int flags)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    /// <summary><c>int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epollFd, int operation, int fd, EpollEvent* epollEvent);

    /// <summary><c>int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epollFd, EpollEvent* events, int maxEvents, int timeoutMilliseconds);
}
