using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>struct epoll_event</c> { <c>uint32_t events</c>; <c>epoll_data_t data</c> }, handled as bytes because its layout
/// differs: glibc declares it packed on x86-64 (12 bytes, data at 4) and naturally aligned on arm64 (16 bytes,
/// data at 8). <see cref="ArchitectureAbi"/> gives the size and offset.
/// </summary>
internal static class EpollEvents
{
    /// <summary>Writes one event into <paramref name="epollEvent"/> (at least <see cref="ArchitectureAbi.EpollEventSize"/> bytes).</summary>
    public static void Write(ArchitectureAbi abi, Span<byte> epollEvent, uint events, ulong data)
    {
        MemoryMarshal.Write(epollEvent, in events);
        MemoryMarshal.Write(epollEvent[abi.EpollEventDataOffset..], in data);
    }

    /// <summary>The <c>data</c> of event <paramref name="index"/> in an epoll_wait array.</summary>
    public static ulong Data(ArchitectureAbi abi, ReadOnlySpan<byte> events, int index) =>
        MemoryMarshal.Read<ulong>(events[(index * abi.EpollEventSize + abi.EpollEventDataOffset)..]);
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

    /// <summary><c>int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)</c>; see <see cref="EpollEvents"/>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epollFd, int operation, int fd, byte* epollEvent);

    /// <summary><c>int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)</c>; see <see cref="EpollEvents"/>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epollFd, byte* events, int maxEvents, int timeoutMilliseconds);
}
