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
    // libbpf's probe: LINK_CREATE(BPF_PERF_EVENT) of a tracepoint program at target_fd -1 says EBADF where the
    // kernel knows the attach type, EINVAL where it does not.
    private static readonly Lazy<bool> PerfEventLinkProbe = new(() => ProbeLinkCreate(BpfProgramType.Tracepoint, BpfAttachType.PerfEvent, target: uint.MaxValue, Errno.EBADF));
    private static readonly Lazy<bool> MemcgProbe = new(ProbeMemcgAccounting);
    private static readonly Lazy<BtfFeatures> BtfProbe = new(BtfProbes.Run);
    private static readonly Lazy<bool> BpfCookieProbe = new(ProbeBpfCookie);
    private static readonly Lazy<bool> KprobeMultiProbe = new(ProbeKprobeMultiLink);
    private static readonly Lazy<bool> UprobeMultiProbe = new(ProbeUprobeMultiLink);
    private static readonly Lazy<bool> SyscallWrapperProbe = new(ProbeSyscallWrapper);

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

    /// <summary>The bpf_get_attach_cookie helper (5.15): what the .kconfig extern LINUX_HAS_BPF_COOKIE says.</summary>
    public static bool HasBpfCookie => BpfCookieProbe.Value;

    /// <summary>BPF_LINK_CREATE with BPF_TRACE_KPROBE_MULTI (5.18, and only with CONFIG_FPROBE).</summary>
    public static bool HasKprobeMultiLink => KprobeMultiProbe.Value;

    /// <summary>BPF_LINK_CREATE with BPF_TRACE_UPROBE_MULTI (6.6).</summary>
    public static bool HasUprobeMultiLink => UprobeMultiProbe.Value;

    /// <summary>
    /// Syscalls enter through arch wrappers such as <c>__x64_sys_bpf</c> (x86-64 since 4.17, arm64 since 4.19): what
    /// ksyscall probes attach to and the .kconfig extern LINUX_HAS_SYSCALL_WRAPPER says.
    /// </summary>
    public static bool HasSyscallWrapper => SyscallWrapperProbe.Value;

    /// <summary>Which BTF kinds and flavours the kernel's BTF_LOAD accepts (what a BTF sanitizer must rewrite).</summary>
    public static BtfFeatures Btf => BtfProbe.Value;

    private static bool ProbeRingBuffer()
    {
        var attr = new MapCreateAttr { MapType = (uint)BpfMapType.Ringbuf, MaxEntries = (uint)Environment.SystemPageSize };
        return CloseIfCreated(BpfSyscall.Invoke(BpfCommand.MapCreate, ref attr, out _));
    }

    /// <summary>libbpf's probe: a kprobe program calling bpf_get_attach_cookie (BPF_FUNC_get_attach_cookie = 174) loads.</summary>
    private static bool ProbeBpfCookie() =>
        CloseIfCreated(LoadTrivialProgram(BpfProgramType.Kprobe, BpfAssembler.Call(174)));

    /// <summary>
    /// A kprobe.multi link on a name no kernel has: a kernel with the link kind looks the name up and says ESRCH
    /// (or ENOENT); one without it rejects the attach type (EINVAL) or has no fprobe (EOPNOTSUPP).
    /// </summary>
    private static bool ProbeKprobeMultiLink() =>
        ProbeMultiLink(BpfAttachType.TraceKprobeMulti, errno => errno is Errno.ESRCH or Errno.ENOENT);

    /// <summary>libbpf's probe: a uprobe.multi link on path "/" (a directory) fails with EBADF where the link kind exists.</summary>
    private static bool ProbeUprobeMultiLink() => ProbeMultiLink(BpfAttachType.TraceUprobeMulti, errno => errno == Errno.EBADF);

    private static bool ProbeMultiLink(BpfAttachType attachType, Func<int, bool> supported)
    {
        var program = LoadTrivialProgram(BpfProgramType.Kprobe, null, attachType);
        if (program < 0)
        {
            return false;
        }

        using var programFd = BpfSyscall.OwnFd(program);
        using var lease = programFd.Lease();
        using var names = new NativeStrings(["rawbpf_feature_probe_no_such_function"]);
        var offsets = stackalloc ulong[1];
        fixed (byte* root = "/\0"u8)
        {
            var attr = new LinkCreateAttr { ProgFd = lease.Fd, AttachType = (uint)attachType };
            if (attachType == BpfAttachType.TraceKprobeMulti)
            {
                attr.KprobeMultiCount = 1;
                attr.KprobeMultiSymbols = (ulong)names.Pointers;
            }
            else
            {
                attr.UprobeMultiPath = (ulong)root;
                attr.UprobeMultiOffsets = (ulong)offsets;
                attr.UprobeMultiCount = 1;
            }

            var link = BpfSyscall.Invoke(BpfCommand.LinkCreate, ref attr, out var errno);
            if (link >= 0)
            {
                BpfSyscall.OwnFd(link).Dispose();
                return true;
            }

            return supported(errno);
        }
    }

    /// <summary>
    /// As libbpf: a kprobe on <c>__PREFIX_sys_bpf</c> opens. Without the kprobe PMU (no kprobes, or a pre-4.17 kernel),
    /// /proc/kallsyms tells whether the wrapper exists.
    /// </summary>
    private static bool ProbeSyscallWrapper()
    {
        if (Host.KernelSymbols.SyscallWrapperPrefix is not { } prefix)
        {
            return false;
        }

        var wrapper = $"__{prefix}_sys_bpf";
        if (Host.ProbePmu.Kprobe is not { } pmu)
        {
            return Host.KernelSymbols.IsFunction(wrapper);
        }

        try
        {
            Links.ProbeEvents.OpenPmu(pmu, retprobe: false, wrapper, 0, Environment.ProcessId).Dispose();
            return true;
        }
        catch (LinuxSyscallException)
        {
            return false;
        }
    }

    private static bool ProbeMemcgAccounting()
    {
        // r0 = bpf_ktime_get_coarse_ns() (BPF_FUNC_ktime_get_coarse_ns = 160); exit
        return CloseIfCreated(LoadTrivialProgram(BpfProgramType.SocketFilter, BpfAssembler.Call(160)));
    }

    /// <summary>Loads "r0 = 0; exit", or "call helper; exit" when a call is given. Returns the raw fd or -1.</summary>
    private static int LoadTrivialProgram(BpfProgramType type, BpfInstruction? call, BpfAttachType expectedAttachType = 0)
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
                ExpectedAttachType = (uint)expectedAttachType,
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
