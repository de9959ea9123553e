using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>Which side of an interface a tc program sees.</summary>
public enum TcxDirection
{
    /// <summary>Packets received (BPF_TCX_INGRESS; the clsact qdisc's ingress hook).</summary>
    Ingress,

    /// <summary>Packets sent (BPF_TCX_EGRESS; the clsact qdisc's egress hook).</summary>
    Egress,
}

/// <summary>How a tc program is attached.</summary>
public enum TcAttachMode
{
    /// <summary>A tcx link where the kernel has tcx (probed: 6.6+), else a cls_bpf filter on a clsact qdisc over netlink.</summary>
    Automatic,

    /// <summary>A tcx link only: on a kernel without tcx, a <see cref="BpfAttachException"/> naming the release that has it.</summary>
    Tcx,

    /// <summary>A direct-action cls_bpf filter on a clsact qdisc over rtnetlink, as <c>tc filter add ... bpf da</c> makes (every kernel).</summary>
    Netlink,
}

/// <summary>
/// tc programs on an interface: a tcx link (BPF_LINK_CREATE with BPF_TCX_INGRESS/EGRESS and
/// <c>target_ifindex</c>, 6.6), or on older kernels the netlink clsact filter of <see cref="TcNetlinkFilter"/>.
/// </summary>
public sealed class TcxLink : BpfLink
{
    /// <summary>The release that brought tcx, named when the kernel lacks it.</summary>
    public const string RequiredKernel = "6.6";

    private readonly TcNetlinkFilter? _filter;

    private TcxLink(BpfFileDescriptor linkFd, string target)
        : base(BpfAttachMethod.LinkCreate, linkFd, target)
    {
    }

    private TcxLink(TcNetlinkFilter filter)
        : base(BpfAttachMethod.TcNetlinkFilter, null, filter.Target) => _filter = filter;

    /// <summary>Attaches a SCHED_CLS program to <paramref name="direction"/> of interface <paramref name="ifindex"/>.</summary>
    public static TcxLink Attach(BpfProgram program, int ifindex, TcxDirection direction, TcAttachMode mode = TcAttachMode.Automatic) =>
        Attach(program, ifindex, null, direction, mode);

    /// <summary>Attaches a SCHED_CLS program to <paramref name="direction"/> of interface <paramref name="interfaceName"/>.</summary>
    public static TcxLink Attach(BpfProgram program, string interfaceName, TcxDirection direction, TcAttachMode mode = TcAttachMode.Automatic) =>
        Attach(program, NetworkInterfaces.GetIndex(interfaceName), interfaceName, direction, mode);

    private static TcxLink Attach(BpfProgram program, int ifindex, string? name, TcxDirection direction, TcAttachMode mode)
    {
        ArgumentNullException.ThrowIfNull(program);
        NetworkLinkCreate.RequireType(program, "tc", BpfProgramType.SchedCls);
        var interfaceText = NetworkInterfaces.Describe(ifindex, name);
        var attachType = direction == TcxDirection.Ingress ? BpfAttachType.TcxIngress : BpfAttachType.TcxEgress;
        var target = $"tcx/{(direction == TcxDirection.Ingress ? "ingress" : "egress")} {interfaceText}";
        var useTcx = mode switch
        {
            TcAttachMode.Tcx => true,
            TcAttachMode.Netlink => false,
            _ => KernelFeatures.HasTcx,
        };
        if (!useTcx)
        {
            return new TcxLink(TcNetlinkFilter.Attach(program, ifindex, interfaceText, direction));
        }

        if (!KernelFeatures.HasTcx)
        {
            throw new BpfLinkNotSupportedException(
                $"tcx links (BPF_TCX_{(direction == TcxDirection.Ingress ? "INGRESS" : "EGRESS")}) for program \"{program.Name}\" on {interfaceText}",
                RequiredKernel,
                "or later; older kernels take a cls_bpf filter on a clsact qdisc (netlink) instead");
        }

        var fd = NetworkLinkCreate.Create(program, (uint)ifindex, attachType, 0, target, errno => errno switch
        {
            Errno.ENODEV or Errno.EINVAL when !NetworkInterfaces.Exists(ifindex) => $"no network interface has index {ifindex} in this network namespace",
            _ => null,
        });
        return new TcxLink(fd, target);
    }

    /// <summary>Closes the tcx link, or deletes the netlink filter.</summary>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            if (IsDisconnected)
                _filter?.Close();
            else
                _filter?.Dispose();
        }
    }
}
