using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static unsafe partial class Libc
{
    /// <summary>AF_NETLINK and NETLINK_ROUTE (linux/netlink.h): the rtnetlink family tc speaks.</summary>
    public const int AF_NETLINK = 16;
    public const int NETLINK_ROUTE = 0;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;

    /// <summary>SOL_SOCKET options (asm-generic/socket.h): a classic or eBPF socket filter.</summary>
    public const int SOL_SOCKET = 1;
    public const int SO_ATTACH_BPF = 50;
    public const int SO_DETACH_BPF = 27; // SO_DETACH_FILTER: one detach for both kinds

    /// <summary>SOL_NETLINK (linux/socket.h) and NETLINK_EXT_ACK (linux/netlink.h): errors carry the kernel's text.</summary>
    public const int SOL_NETLINK = 270;
    public const int NETLINK_EXT_ACK = 11;

    /// <summary><c>int socket(int domain, int type, int protocol)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    /// <summary><c>int bind(int fd, const struct sockaddr *addr, socklen_t len)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, void* address, uint length);

    /// <summary><c>int setsockopt(int fd, int level, int name, const void *value, socklen_t len)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    /// <summary><c>ssize_t send(int fd, const void *buf, size_t len, int flags)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, byte* buffer, nuint length, int flags);

    /// <summary><c>ssize_t recv(int fd, void *buf, size_t len, int flags)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    /// <summary><c>unsigned int if_nametoindex(const char *ifname)</c>: 0 (errno ENODEV) when there is no such interface.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint if_nametoindex(string name);

    /// <summary><c>char *if_indextoname(unsigned int ifindex, char *ifname)</c>: NULL (errno ENXIO) when there is no such interface.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial byte* if_indextoname(uint ifindex, byte* name);
}
