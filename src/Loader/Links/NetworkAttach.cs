using System.Runtime.InteropServices;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// Where networking and cgroup programs go when attached by section name: unlike a tracepoint, their SEC() name
/// does not say which interface, cgroup, socket or namespace (libbpf has no auto-attach for them either).
/// </summary>
public sealed record NetworkAttachTarget
{
    /// <summary>Interface name for xdp and tc sections (or <see cref="InterfaceIndex"/>).</summary>
    public string? Interface { get; init; }

    /// <summary>Interface index for xdp and tc sections, in the calling thread's network namespace.</summary>
    public int? InterfaceIndex { get; init; }

    /// <summary>XDP mode for xdp sections.</summary>
    public XdpAttachFlags XdpFlags { get; init; }

    /// <summary>The side for sections that do not name one (<c>tc</c>, <c>classifier</c>).</summary>
    public TcxDirection? TcDirection { get; init; }

    /// <summary>tcx, or the netlink clsact filter, for tc sections.</summary>
    public TcAttachMode TcMode { get; init; }

    /// <summary>cgroup v2 directory for cgroup_skb/, cgroup/ and sockops sections.</summary>
    public string? CgroupPath { get; init; }

    /// <summary>Network namespace file for sk_lookup (the calling thread's when null).</summary>
    public string? NetnsPath { get; init; }

    /// <summary>The socket a <c>socket</c> section filters.</summary>
    public SafeHandle? Socket { get; init; }
}

/// <summary>The networking half of attach-by-section: which kind a SEC() name means, and with which target.</summary>
public static class NetworkAttach
{
    /// <summary>
    /// Attaches <paramref name="program"/> as section <paramref name="section"/> says when it is a networking or cgroup
    /// kind (xdp, xdp.frags, tc, tc/ and tcx/ingress|egress, cgroup_skb/, cgroup/..., sockops, socket, sk_lookup);
    /// null for any other section, for the caller's other kinds to handle.
    /// </summary>
    /// <exception cref="ArgumentException">The section's kind needs a part of <paramref name="target"/> that is missing.</exception>
    public static BpfLink? TryAttachBySection(BpfProgram program, ProgramSectionInfo section, NetworkAttachTarget? target)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(section);
        target ??= new NetworkAttachTarget();
        var what = $"program \"{program.Name}\" (section \"{section.SectionName}\")";
        switch (section.ProgramType)
        {
            case BpfProgramType.Xdp when section.ExpectedAttachType == BpfAttachType.Xdp:
                return target.Interface is { } xdpName
                    ? XdpLink.Attach(program, xdpName, target.XdpFlags)
                    : XdpLink.Attach(program, target.InterfaceIndex ?? throw Missing(what, "a network interface", nameof(target.Interface)), target.XdpFlags);

            case BpfProgramType.SchedCls when section.ExpectedAttachType is BpfAttachType.TcxIngress or BpfAttachType.TcxEgress || section.Definition.Prefix is "tc" or "classifier":
                var direction = section.ExpectedAttachType switch
                {
                    BpfAttachType.TcxIngress => TcxDirection.Ingress,
                    BpfAttachType.TcxEgress => TcxDirection.Egress,
                    _ => target.TcDirection ?? throw Missing(what, "a direction (its name does not say ingress or egress)", nameof(target.TcDirection)),
                };
                return target.Interface is { } tcName
                    ? TcxLink.Attach(program, tcName, direction, target.TcMode)
                    : TcxLink.Attach(program, target.InterfaceIndex ?? throw Missing(what, "a network interface", nameof(target.Interface)), direction, target.TcMode);

            case BpfProgramType.CgroupSkb or BpfProgramType.CgroupSock or BpfProgramType.CgroupSockAddr or BpfProgramType.SockOps
                or BpfProgramType.CgroupDevice or BpfProgramType.CgroupSysctl or BpfProgramType.CgroupSockopt:
                var attachType = section.ExpectedAttachType
                    ?? throw new ArgumentException($"{what} does not name its cgroup hook; attach it with BpfProgram.AttachCgroup(path, attachType)");
                return CgroupLink.Attach(program, target.CgroupPath ?? throw Missing(what, "a cgroup v2 directory", nameof(target.CgroupPath)), attachType);

            case BpfProgramType.SocketFilter:
                return SocketFilterLink.Attach(program, target.Socket ?? throw Missing(what, "a socket", nameof(target.Socket)));

            case BpfProgramType.SkLookup:
                return SkLookupLink.Attach(program, target.NetnsPath);

            default:
                return null;
        }
    }

    private static ArgumentException Missing(string what, string needs, string property) =>
        new($"{what} attaches to {needs}: set NetworkAttachTarget.{property}");
}
