using RawBpf.BtfCore;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Host;

/// <summary>
/// What this kernel supports, found by trying (never by parsing the version string: distributions backport).
/// Each probe runs at most once per process and is cached. The probes use bare bpf(2) calls and never throw.
/// </summary>
public static unsafe class KernelFeatures
{
    private static readonly Lazy<bool> RingBufferProbe = new(ProbeRingBuffer);
    private static readonly Lazy<bool> PerfEventLinkProbe = new(ProbePerfEventLink);
    private static readonly Lazy<bool> MemcgProbe = new(ProbeMemcgAccounting);
    private static readonly Lazy<BtfFeatures> BtfProbe = new(BtfProbes.Run);

    /// <summary>BPF_MAP_TYPE_RINGBUF (5.8).</summary>
    public static bool HasRingBuffer => RingBufferProbe.Value;

    /// <summary>BPF_LINK_CREATE with BPF_PERF_EVENT (5.15); older kernels attach through PERF_EVENT_IOC_SET_BPF.</summary>
    public static bool HasPerfEventLink => PerfEventLinkProbe.Value;

    /// <summary>
    /// BPF memory charged to the memory cgroup (5.11) rather than RLIMIT_MEMLOCK. Probed as libbpf does: the
    /// bpf_ktime_get_coarse_ns helper arrived in the same release, so a program calling it loads iff memcg
    /// accounting is in place.
    /// </summary>
    public static bool HasMemcgAccounting => MemcgProbe.Value;

    /// <summary>Which BTF kinds and flavours the kernel's BTF_LOAD accepts (what a BTF sanitizer must rewrite).</summary>
    public static BtfFeatures Btf => BtfProbe.Value;

    private static bool ProbeRingBuffer()
    {
        var attr = new MapCreateAttr { MapType = (uint)BpfMapType.Ringbuf, MaxEntries = (uint)Environment.SystemPageSize };
        return CloseIfCreated(BpfSyscall.Invoke(BpfCommand.MapCreate, ref attr, out _));
    }

    /// <summary>
    /// libbpf's probe: LINK_CREATE(BPF_PERF_EVENT) with a valid tracepoint program and target_fd -1. A kernel that
    /// knows the attach type looks the perf event up and says EBADF; an older one rejects the attach type (EINVAL).
    /// </summary>
    private static bool ProbePerfEventLink()
    {
        var program = LoadTrivialProgram(BpfProgramType.Tracepoint, null);
        if (program < 0)
        {
            return false;
        }

        using var programFd = BpfSyscall.OwnFd(program);
        using var lease = programFd.Lease();
        var attr = new LinkCreateAttr { ProgFd = lease.Fd, TargetFd = uint.MaxValue, AttachType = (uint)BpfAttachType.PerfEvent };
        var link = BpfSyscall.Invoke(BpfCommand.LinkCreate, ref attr, out var errno);
        if (link >= 0)
        {
            BpfSyscall.OwnFd(link).Dispose();
            return true;
        }

        return errno == Errno.EBADF;
    }

    private static bool ProbeMemcgAccounting()
    {
        // r0 = bpf_ktime_get_coarse_ns() (BPF_FUNC_ktime_get_coarse_ns = 160); exit
        return CloseIfCreated(LoadTrivialProgram(BpfProgramType.SocketFilter, BpfAssembler.Call(160)));
    }

    /// <summary>Loads "r0 = 0; exit", or "call helper; exit" when a call is given. Returns the raw fd or -1.</summary>
    private static int LoadTrivialProgram(BpfProgramType type, BpfInstruction? call)
    {
        Span<BpfInstruction> instructions = stackalloc BpfInstruction[2];
        instructions[0] = call ?? BpfAssembler.Mov64(0, 0);
        instructions[1] = BpfAssembler.Exit();
        var license = "GPL\0"u8;
        fixed (BpfInstruction* insns = instructions)
        fixed (byte* licenseText = license)
        {
            var attr = new ProgLoadAttr
            {
                ProgType = (uint)type,
                InsnCount = 2,
                Insns = (ulong)insns,
                License = (ulong)licenseText,
            };
            return BpfSyscall.Invoke(BpfCommand.ProgLoad, ref attr, out _);
        }
    }

    private static bool CloseIfCreated(int fd)
    {
        if (fd < 0)
        {
            return false;
        }

        BpfSyscall.OwnFd(fd).Dispose();
        return true;
    }

    // ---- Networking attach kinds (RawBpf.Loader.Links) ----

    private static readonly Lazy<bool> TcxProbe = new(() => ProbeLinkCreate(BpfProgramType.SchedCls, BpfAttachType.TcxIngress, target: 0, Errno.ENODEV));
    private static readonly Lazy<bool> CgroupLinkProbe = new(() => ProbeLinkCreate(BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetIngress, target: uint.MaxValue, Errno.EBADF));

    /// <summary>
    /// tcx links, BPF_LINK_CREATE with BPF_TCX_INGRESS/EGRESS (6.6). Probed with ifindex 0: a kernel that knows the
    /// attach type looks the device up and says ENODEV; an older one rejects the attach type (EINVAL).
    /// </summary>
    public static bool HasTcx => TcxProbe.Value;

    /// <summary>
    /// cgroup links, BPF_LINK_CREATE on a cgroup fd (5.7). Probed with target_fd -1: EBADF once the kernel knows
    /// the command for cgroups; before, EINVAL (and attaching takes BPF_PROG_ATTACH).
    /// </summary>
    public static bool HasCgroupLink => CgroupLinkProbe.Value;

    /// <summary>LINK_CREATE of a trivial program of <paramref name="type"/> at a target that cannot exist: the kernel knows the
    /// attach type iff it answers <paramref name="knownErrno"/> (it looks the target up only after accepting the type).</summary>
    private static bool ProbeLinkCreate(BpfProgramType type, BpfAttachType attachType, uint target, int knownErrno)
    {
        var program = LoadTrivialProgram(type, null);
        if (program < 0)
        {
            return false;
        }

        using var programFd = BpfSyscall.OwnFd(program);
        using var lease = programFd.Lease();
        var attr = new LinkCreateAttr { ProgFd = lease.Fd, TargetFd = target, AttachType = (uint)attachType };
        var link = BpfSyscall.Invoke(BpfCommand.LinkCreate, ref attr, out var errno);
        if (link >= 0)
        {
            BpfSyscall.OwnFd(link).Dispose();
            return true;
        }

        return errno == knownErrno;
    }
}
