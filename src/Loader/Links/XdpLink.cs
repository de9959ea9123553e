using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary><c>XDP_FLAGS_*</c> (linux/if_link.h) a BPF_LINK_CREATE for XDP accepts: the mode, at most one.</summary>
[Flags]
public enum XdpAttachFlags : uint
{
    /// <summary>The driver's native XDP when it has one, else generic.</summary>
    None = 0,

    /// <summary>XDP_FLAGS_SKB_MODE: generic XDP, after the sk_buff is built; every device has it.</summary>
    Generic = 1U << 1,

    /// <summary>XDP_FLAGS_DRV_MODE: native XDP in the driver, or fail.</summary>
    Driver = 1U << 2,

    /// <summary>XDP_FLAGS_HW_MODE: offloaded to the NIC, or fail.</summary>
    Offload = 1U << 3,
}

/// <summary>XDP on a network interface through a bpf_link (5.9): BPF_LINK_CREATE with <c>target_ifindex</c>.</summary>
public sealed class XdpLink : BpfLink
{
    private XdpLink(BpfFileDescriptor linkFd, string target)
        : base(BpfAttachMethod.LinkCreate, linkFd, target)
    {
    }

    /// <summary>Attaches an XDP program to interface <paramref name="ifindex"/> of the calling thread's network namespace.</summary>
    public static XdpLink Attach(BpfProgram program, int ifindex, XdpAttachFlags flags = XdpAttachFlags.None) =>
        Attach(program, ifindex, null, flags);

    /// <summary>Attaches an XDP program to interface <paramref name="interfaceName"/> (e.g. <c>eth0</c>).</summary>
    public static XdpLink Attach(BpfProgram program, string interfaceName, XdpAttachFlags flags = XdpAttachFlags.None) =>
        Attach(program, NetworkInterfaces.GetIndex(interfaceName), interfaceName, flags);

    private static XdpLink Attach(BpfProgram program, int ifindex, string? name, XdpAttachFlags flags)
    {
        ArgumentNullException.ThrowIfNull(program);
        NetworkLinkCreate.RequireType(program, "XDP", BpfProgramType.Xdp);
        var modes = flags & (XdpAttachFlags.Generic | XdpAttachFlags.Driver | XdpAttachFlags.Offload);
        if (flags != modes || (modes & (modes - 1)) != 0)
        {
            throw new ArgumentException($"XDP flags {flags}: a link takes at most one mode (Generic, Driver or Offload)");
        }

        var target = "xdp " + NetworkInterfaces.Describe(ifindex, name);
        var fd = NetworkLinkCreate.Create(program, (uint)ifindex, BpfAttachType.Xdp, (uint)flags, target, errno => errno switch
        {
            Errno.ENODEV or Errno.EINVAL when !NetworkInterfaces.Exists(ifindex) => $"no network interface has index {ifindex} in this network namespace",
            Errno.EBUSY or Errno.EEXIST => "an XDP program is already attached to this interface in that mode (ip link show names it)",
            Errno.EOPNOTSUPP or Errno.ENOTSUPP => "the driver has no native XDP in this mode: try XdpAttachFlags.Generic",
            Errno.EINVAL => "the kernel refused the XDP link: XDP links need Linux 5.9 or later, and a frags program (xdp.frags) a driver that supports it",
            _ => null,
        });
        return new XdpLink(fd, target);
    }
}
