using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// sk_lookup on a network namespace (5.9): BPF_LINK_CREATE with the namespace's fd. The program runs when the
/// namespace looks up a socket for an incoming packet or connection, and may pick the socket itself.
/// </summary>
public sealed class SkLookupLink : BpfLink
{
    private SkLookupLink(BpfFileDescriptor linkFd, string target)
        : base(BpfAttachMethod.LinkCreate, linkFd, target)
    {
    }

    /// <summary>The calling thread's own network namespace.</summary>
    public const string CurrentNamespace = "/proc/thread-self/ns/net";

    /// <summary>
    /// Attaches to the network namespace file <paramref name="netnsPath"/> (<c>/var/run/netns/NAME</c>,
    /// <c>/proc/PID/ns/net</c>; the calling thread's namespace when null).
    /// </summary>
    public static SkLookupLink Attach(BpfProgram program, string? netnsPath = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        NetworkLinkCreate.RequireType(program, "sk_lookup", BpfProgramType.SkLookup);
        netnsPath ??= CurrentNamespace;
        var fd = Libc.open(netnsPath, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno is Errno.ENOENT or Errno.ENOTDIR
                ? new ArgumentException($"network namespace \"{netnsPath}\" does not exist (ip netns list shows the named ones under /var/run/netns)")
                : new LinuxSyscallException($"open({netnsPath})", errno);
        }

        // The link holds its own reference to the namespace.
        using var netns = new NamespaceFileDescriptor(fd);
        using var lease = netns.Lease();
        var target = "sk_lookup netns " + netnsPath;
        var link = NetworkLinkCreate.Create(program, lease.Fd, BpfAttachType.SkLookup, 0, target, errno => errno switch
        {
            Errno.EINVAL => $"\"{netnsPath}\" is not a network namespace file, or this kernel has no sk_lookup links (Linux 5.9 or later)",
            _ => null,
        });
        return new SkLookupLink(link, target);
    }

    /// <summary>An open /proc/.../ns/net or /var/run/netns file.</summary>
    private sealed class NamespaceFileDescriptor(int fd) : FileDescriptorHandle(fd);
}
