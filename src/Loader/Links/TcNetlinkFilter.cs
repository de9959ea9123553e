using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// tc without tcx: a clsact qdisc on the interface (RTM_NEWQDISC, kept when it exists) and a direct-action cls_bpf
/// filter holding the program (RTM_NEWTFILTER with TCA_BPF_FD), as libbpf's bpf_tc_hook_create and bpf_tc_attach
/// do. The kernel picks the filter's priority and handle and echoes them back; disposing deletes that filter
/// (RTM_DELTFILTER) over the same socket, so in the same network namespace. The qdisc stays, as with libbpf.
/// </summary>
internal sealed class TcNetlinkFilter : IDisposable
{
    private const uint TC_H_CLSACT = 0xFFFFFFF1;     // TC_H_INGRESS (linux/pkt_sched.h)
    private const uint TC_H_MAJ_MASK = 0xFFFF0000;
    private const uint TC_H_MIN_INGRESS = 0xFFF2;
    private const uint TC_H_MIN_EGRESS = 0xFFF3;
    private const ushort ETH_P_ALL = 0x0003;         // linux/if_ether.h, in network byte order below
    private const string Kind = "bpf";

    private readonly RouteNetlinkSocket _socket;
    private readonly int _ifindex;
    private readonly uint _parent;
    private readonly uint _handle;
    private readonly ushort _priority;
    private int _disposed;

    private TcNetlinkFilter(RouteNetlinkSocket socket, int ifindex, uint parent, uint handle, ushort priority, string target)
    {
        _socket = socket;
        _ifindex = ifindex;
        _parent = parent;
        _handle = handle;
        _priority = priority;
        Target = target;
    }

    /// <summary>e.g. <c>tc clsact ingress veth0 (ifindex 3) (prio 49152 handle 0x1)</c>.</summary>
    public string Target { get; }

    public static TcNetlinkFilter Attach(BpfProgram program, int ifindex, string interfaceText, TcxDirection direction)
    {
        var side = direction == TcxDirection.Ingress ? "ingress" : "egress";
        var target = $"tc clsact {side} {interfaceText}";
        var parent = (TC_H_CLSACT & TC_H_MAJ_MASK) | (direction == TcxDirection.Ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
        var socket = RouteNetlinkSocket.Open();
        try
        {
            // The hook: an existing clsact qdisc (EEXIST) is as good as a new one.
            var qdisc = socket.NewTcRequest(
                    RouteNetlinkSocket.RTM_NEWQDISC,
                    RouteNetlinkSocket.NLM_F_REQUEST | RouteNetlinkSocket.NLM_F_ACK | RouteNetlinkSocket.NLM_F_CREATE | RouteNetlinkSocket.NLM_F_EXCL,
                    ifindex, handle: TC_H_CLSACT & TC_H_MAJ_MASK, parent: TC_H_CLSACT, info: 0)
                .Attribute(RouteNetlinkSocket.TCA_KIND, "clsact");
            var (errno, kernelText, _) = socket.Send(qdisc, "RTM_NEWQDISC clsact");
            if (errno != 0 && errno != Errno.EEXIST)
            {
                throw Failure("RTM_NEWQDISC", errno, kernelText, program, target, ifindex);
            }

            using var lease = program.Fd.Lease();
            var filter = socket.NewTcRequest(
                    RouteNetlinkSocket.RTM_NEWTFILTER,
                    RouteNetlinkSocket.NLM_F_REQUEST | RouteNetlinkSocket.NLM_F_ACK | RouteNetlinkSocket.NLM_F_ECHO | RouteNetlinkSocket.NLM_F_CREATE | RouteNetlinkSocket.NLM_F_EXCL,
                    ifindex, handle: 0, parent: parent, info: Info(priority: 0))
                .Attribute(RouteNetlinkSocket.TCA_KIND, Kind)
                .BeginNest(RouteNetlinkSocket.TCA_OPTIONS)
                .Attribute(RouteNetlinkSocket.TCA_BPF_FD, lease.Fd)
                .Attribute(RouteNetlinkSocket.TCA_BPF_NAME, program.Name)
                .Attribute(RouteNetlinkSocket.TCA_BPF_FLAGS, RouteNetlinkSocket.TCA_BPF_FLAG_ACT_DIRECT)
                .EndNest();
            (errno, kernelText, var echo) = socket.Send(filter, "RTM_NEWTFILTER bpf da");
            if (errno != 0)
            {
                throw Failure("RTM_NEWTFILTER", errno, kernelText, program, target, ifindex);
            }

            if (echo is not { } created)
            {
                throw NetworkLinkCreate.Failure(new LinuxSyscallException("recv(rtnetlink RTM_NEWTFILTER)", Errno.EIO, "the kernel acknowledged the filter without echoing its handle and priority"), program, target);
            }

            var priority = (ushort)(created.Info >> 16);
            return new TcNetlinkFilter(socket, ifindex, parent, created.Handle, priority, $"{target} (prio {priority} handle 0x{created.Handle:x})");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>tcm_info: TC_H_MAKE(priority &lt;&lt; 16, htons(ETH_P_ALL)).</summary>
    private static uint Info(ushort priority) => ((uint)priority << 16) | (uint)System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(ETH_P_ALL);

    private static BpfAttachException Failure(string request, int errno, string? kernelText, BpfProgram program, string target, int ifindex)
    {
        var hint = errno switch
        {
            Errno.ENODEV => $"no network interface has index {ifindex} in this network namespace",
            Errno.ENOENT or Errno.EOPNOTSUPP when request == "RTM_NEWQDISC" => "this kernel has no clsact qdisc (CONFIG_NET_SCH_INGRESS)",
            Errno.ENOENT => "this kernel has no cls_bpf classifier (CONFIG_NET_CLS_BPF)",
            Errno.EPERM => "tc needs CAP_NET_ADMIN in the interface's network namespace",
            _ => null,
        };
        if (kernelText is not null)
        {
            hint = $"the kernel says: {kernelText}" + (hint is null ? string.Empty : "; " + hint);
        }

        return NetworkLinkCreate.Failure(new LinuxSyscallException($"rtnetlink({request})", errno, hint), program, target);
    }

    /// <summary>Closes the netlink socket and leaves the filter in place (a disconnected link), unless already released.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
        }
    }

    /// <summary>Deletes the filter (RTM_DELTFILTER with its priority and handle) over the socket that made it, once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (_socket)
        {
            var request = _socket.NewTcRequest(RouteNetlinkSocket.RTM_DELTFILTER, RouteNetlinkSocket.NLM_F_REQUEST | RouteNetlinkSocket.NLM_F_ACK, _ifindex, _handle, _parent, Info(_priority))
                .Attribute(RouteNetlinkSocket.TCA_KIND, Kind);

            // ENOENT/ENODEV/EINVAL: the filter, its qdisc or the interface went away already (e.g. the namespace was deleted).
            var (errno, kernelText, _) = _socket.Send(request, "RTM_DELTFILTER bpf");
            if (errno != 0 && errno != Errno.ENOENT && errno != Errno.ENODEV && errno != Errno.EINVAL)
            {
                throw new LinuxSyscallException("rtnetlink(RTM_DELTFILTER)", errno, kernelText is null ? null : "the kernel says: " + kernelText);
            }
        }
    }
}
