using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>Properties libbpf attaches to a SEC() prefix (its <c>SEC_*</c> cookie bits).</summary>
[Flags]
public enum ProgramSectionFlags
{
    None = 0,
    /// <summary>The program must be attached to a kernel BTF object (fentry, tp_btf, lsm, iter...): the loader finds <c>attach_btf_id</c>.</summary>
    AttachBtf = 1 << 0,
    /// <summary>Loaded with <c>BPF_F_SLEEPABLE</c>.</summary>
    Sleepable = 1 << 1,
    /// <summary>Loaded with <c>BPF_F_XDP_HAS_FRAGS</c>.</summary>
    XdpFrags = 1 << 2,
    /// <summary>A USDT probe: the loader needs libbpf's USDT machinery (not supported here).</summary>
    Usdt = 1 << 3,
}

/// <summary>How a section name maps to a program: uapi program type and expected attach type, as libbpf's <c>section_defs</c>.</summary>
/// <param name="Pattern">The table's pattern: "x" exact, "x+" exact or "x/...", "x/" prefix.</param>
public sealed record ProgramSectionDefinition(string Pattern, BpfProgramType ProgramType, BpfAttachType? ExpectedAttachType, ProgramSectionFlags Flags)
{
    internal bool Matches(string sectionName)
    {
        if (Pattern.EndsWith('/'))
            return sectionName.StartsWith(Pattern, StringComparison.Ordinal);
        if (Pattern.EndsWith('+'))
        {
            var prefix = Pattern.AsSpan(0, Pattern.Length - 1);
            return sectionName.AsSpan().StartsWith(prefix, StringComparison.Ordinal)
                && (sectionName.Length == prefix.Length || sectionName[prefix.Length] == '/');
        }
        return sectionName == Pattern;
    }

    /// <summary>The base name: the pattern without '+' or a trailing '/'.</summary>
    public string Prefix => Pattern.TrimEnd('+', '/');
}

/// <summary>What a SEC() name says about its programs: type, attach type, and the attach target written after the prefix.</summary>
/// <param name="AttachTarget">The part after "prefix/" (e.g. "sched/sched_process_exit" for tp/, a function for kprobe/ or fentry/), or null.</param>
public sealed record ProgramSectionInfo(string SectionName, ProgramSectionDefinition Definition, string? AttachTarget)
{
    public BpfProgramType ProgramType => Definition.ProgramType;
    public BpfAttachType? ExpectedAttachType => Definition.ExpectedAttachType;
    public ProgramSectionFlags Flags => Definition.Flags;

    /// <summary>For tracepoint sections (tp/, tracepoint/): "category/name" split, or null.</summary>
    public (string Category, string Name)? Tracepoint
    {
        get
        {
            if (ProgramType != BpfProgramType.Tracepoint || AttachTarget is null)
                return null;
            var slash = AttachTarget.IndexOf('/');
            return slash <= 0 || slash == AttachTarget.Length - 1 ? null : (AttachTarget[..slash], AttachTarget[(slash + 1)..]);
        }
    }

    /// <summary>kretprobe/, uretprobe/ and kretsyscall/ sections attach to function returns.</summary>
    public bool IsReturnProbe => Definition.Prefix is "kretprobe" or "uretprobe" or "uretprobe.s" or "kretsyscall" or "kretprobe.multi" or "uretprobe.multi" or "uretprobe.multi.s";
}

/// <summary>
/// libbpf's <c>section_defs</c> table (libbpf 1.5), as data: the first matching entry wins, exactly as
/// <c>find_sec_def</c> does. Attach types are uapi <c>enum bpf_attach_type</c>, passed as expected_attach_type at
/// BPF_PROG_LOAD; null means libbpf passes 0.
/// </summary>
public static class ProgramSectionDefinitions
{
    private const ProgramSectionFlags None = ProgramSectionFlags.None;
    private const ProgramSectionFlags Btf = ProgramSectionFlags.AttachBtf;
    private const ProgramSectionFlags Sleep = ProgramSectionFlags.Sleepable;
    private const ProgramSectionFlags Attachable = ProgramSectionFlags.None;
    private const ProgramSectionFlags Frags = ProgramSectionFlags.XdpFrags;

    private static ProgramSectionDefinition D(string pattern, BpfProgramType type, BpfAttachType? attach = null, ProgramSectionFlags flags = None) =>
        new(pattern, type, attach, flags);

    public static IReadOnlyList<ProgramSectionDefinition> All { get; } =
    [
        D("socket", BpfProgramType.SocketFilter),
        D("sk_reuseport/migrate", BpfProgramType.SkReuseport, BpfAttachType.SkReuseportSelectOrMigrate, Attachable),
        D("sk_reuseport", BpfProgramType.SkReuseport, BpfAttachType.SkReuseportSelect, Attachable),
        D("kprobe+", BpfProgramType.Kprobe),
        D("uprobe+", BpfProgramType.Kprobe),
        D("uprobe.s+", BpfProgramType.Kprobe, null, Sleep),
        D("kretprobe+", BpfProgramType.Kprobe),
        D("uretprobe+", BpfProgramType.Kprobe),
        D("uretprobe.s+", BpfProgramType.Kprobe, null, Sleep),
        D("kprobe.multi+", BpfProgramType.Kprobe, BpfAttachType.TraceKprobeMulti),
        D("kretprobe.multi+", BpfProgramType.Kprobe, BpfAttachType.TraceKprobeMulti),
        D("kprobe.session+", BpfProgramType.Kprobe, BpfAttachType.TraceKprobeSession),
        D("uprobe.multi+", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti),
        D("uretprobe.multi+", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti),
        D("uprobe.multi.s+", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti, Sleep),
        D("uretprobe.multi.s+", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti, Sleep),
        D("ksyscall+", BpfProgramType.Kprobe),
        D("kretsyscall+", BpfProgramType.Kprobe),
        D("usdt+", BpfProgramType.Kprobe, null, ProgramSectionFlags.Usdt),
        D("usdt.s+", BpfProgramType.Kprobe, null, ProgramSectionFlags.Usdt | Sleep),
        D("tc/ingress", BpfProgramType.SchedCls, BpfAttachType.TcxIngress),
        D("tc/egress", BpfProgramType.SchedCls, BpfAttachType.TcxEgress),
        D("tcx/ingress", BpfProgramType.SchedCls, BpfAttachType.TcxIngress),
        D("tcx/egress", BpfProgramType.SchedCls, BpfAttachType.TcxEgress),
        D("tc", BpfProgramType.SchedCls),
        D("classifier", BpfProgramType.SchedCls),
        D("action", BpfProgramType.SchedAct),
        D("netkit/primary", BpfProgramType.SchedCls, BpfAttachType.NetkitPrimary),
        D("netkit/peer", BpfProgramType.SchedCls, BpfAttachType.NetkitPeer),
        D("tracepoint+", BpfProgramType.Tracepoint),
        D("tp+", BpfProgramType.Tracepoint),
        D("raw_tracepoint+", BpfProgramType.RawTracepoint),
        D("raw_tp+", BpfProgramType.RawTracepoint),
        D("raw_tracepoint.w+", BpfProgramType.RawTracepointWritable),
        D("raw_tp.w+", BpfProgramType.RawTracepointWritable),
        D("tp_btf+", BpfProgramType.Tracing, BpfAttachType.TraceRawTp, Btf),
        D("fentry+", BpfProgramType.Tracing, BpfAttachType.TraceFentry, Btf),
        D("fmod_ret+", BpfProgramType.Tracing, BpfAttachType.ModifyReturn, Btf),
        D("fexit+", BpfProgramType.Tracing, BpfAttachType.TraceFexit, Btf),
        D("fentry.s+", BpfProgramType.Tracing, BpfAttachType.TraceFentry, Btf | Sleep),
        D("fmod_ret.s+", BpfProgramType.Tracing, BpfAttachType.ModifyReturn, Btf | Sleep),
        D("fexit.s+", BpfProgramType.Tracing, BpfAttachType.TraceFexit, Btf | Sleep),
        D("freplace+", BpfProgramType.Ext, null, ProgramSectionFlags.AttachBtf),
        D("lsm+", BpfProgramType.Lsm, BpfAttachType.LsmMac, Btf),
        D("lsm.s+", BpfProgramType.Lsm, BpfAttachType.LsmMac, Btf | Sleep),
        D("lsm_cgroup+", BpfProgramType.Lsm, BpfAttachType.LsmCgroup, Btf),
        D("iter+", BpfProgramType.Tracing, BpfAttachType.TraceIter, Btf),
        D("iter.s+", BpfProgramType.Tracing, BpfAttachType.TraceIter, Btf | Sleep),
        D("syscall", BpfProgramType.Syscall, null, Sleep),
        D("xdp.frags/devmap", BpfProgramType.Xdp, BpfAttachType.XdpDevmap, Frags),
        D("xdp/devmap", BpfProgramType.Xdp, BpfAttachType.XdpDevmap, Attachable),
        D("xdp.frags/cpumap", BpfProgramType.Xdp, BpfAttachType.XdpCpumap, Frags),
        D("xdp/cpumap", BpfProgramType.Xdp, BpfAttachType.XdpCpumap, Attachable),
        D("xdp.frags", BpfProgramType.Xdp, BpfAttachType.Xdp, Frags),
        D("xdp", BpfProgramType.Xdp, BpfAttachType.Xdp, Attachable),
        D("perf_event", BpfProgramType.PerfEvent),
        D("lwt_in", BpfProgramType.LwtIn),
        D("lwt_out", BpfProgramType.LwtOut),
        D("lwt_xmit", BpfProgramType.LwtXmit),
        D("lwt_seg6local", BpfProgramType.LwtSeg6Local),
        D("sockops", BpfProgramType.SockOps, BpfAttachType.CgroupSockOps, Attachable),
        D("sk_skb/stream_parser", BpfProgramType.SkSkb, BpfAttachType.SkSkbStreamParser, Attachable),
        D("sk_skb/stream_verdict", BpfProgramType.SkSkb, BpfAttachType.SkSkbStreamVerdict, Attachable),
        D("sk_skb/verdict", BpfProgramType.SkSkb, BpfAttachType.SkSkbVerdict, Attachable),
        D("sk_skb", BpfProgramType.SkSkb),
        D("sk_msg", BpfProgramType.SkMsg, BpfAttachType.SkMsgVerdict, Attachable),
        D("lirc_mode2", BpfProgramType.LircMode2, BpfAttachType.LircMode2, Attachable),
        D("flow_dissector", BpfProgramType.FlowDissector, BpfAttachType.FlowDissector, Attachable),
        D("cgroup_skb/ingress", BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetIngress, Attachable),
        D("cgroup_skb/egress", BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetEgress, Attachable),
        D("cgroup/skb", BpfProgramType.CgroupSkb),
        D("cgroup/sock_create", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockCreate, Attachable),
        D("cgroup/sock_release", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockRelease, Attachable),
        D("cgroup/sock", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockCreate, Attachable),
        D("cgroup/post_bind4", BpfProgramType.CgroupSock, BpfAttachType.CgroupInet4PostBind, Attachable),
        D("cgroup/post_bind6", BpfProgramType.CgroupSock, BpfAttachType.CgroupInet6PostBind, Attachable),
        D("cgroup/bind4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Bind, Attachable),
        D("cgroup/bind6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Bind, Attachable),
        D("cgroup/connect4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Connect, Attachable),
        D("cgroup/connect6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Connect, Attachable),
        D("cgroup/connect_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixConnect, Attachable),
        D("cgroup/sendmsg4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp4Sendmsg, Attachable),
        D("cgroup/sendmsg6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp6Sendmsg, Attachable),
        D("cgroup/sendmsg_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixSendmsg, Attachable),
        D("cgroup/recvmsg4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp4Recvmsg, Attachable),
        D("cgroup/recvmsg6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp6Recvmsg, Attachable),
        D("cgroup/recvmsg_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixRecvmsg, Attachable),
        D("cgroup/getpeername4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Getpeername, Attachable),
        D("cgroup/getpeername6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Getpeername, Attachable),
        D("cgroup/getpeername_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixGetpeername, Attachable),
        D("cgroup/getsockname4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Getsockname, Attachable),
        D("cgroup/getsockname6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Getsockname, Attachable),
        D("cgroup/getsockname_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixGetsockname, Attachable),
        D("cgroup/sysctl", BpfProgramType.CgroupSysctl, BpfAttachType.CgroupSysctl, Attachable),
        D("cgroup/getsockopt", BpfProgramType.CgroupSockopt, BpfAttachType.CgroupGetsockopt, Attachable),
        D("cgroup/setsockopt", BpfProgramType.CgroupSockopt, BpfAttachType.CgroupSetsockopt, Attachable),
        D("cgroup/dev", BpfProgramType.CgroupDevice, BpfAttachType.CgroupDevice, Attachable),
        D("struct_ops+", BpfProgramType.StructOps),
        D("struct_ops.s+", BpfProgramType.StructOps, null, Sleep),
        D("sk_lookup", BpfProgramType.SkLookup, BpfAttachType.SkLookup, Attachable),
        D("netfilter", BpfProgramType.Netfilter, BpfAttachType.Netfilter),
    ];

    /// <summary>Classifies a SEC() name as libbpf's <c>find_sec_def</c> does, or null when libbpf would not know it.</summary>
    public static ProgramSectionInfo? Classify(string sectionName)
    {
        foreach (var definition in All)
        {
            if (!definition.Matches(sectionName))
                continue;
            var prefix = definition.Pattern.EndsWith('+') ? definition.Pattern[..^1] : null;
            string? target = prefix is not null && sectionName.Length > prefix.Length + 1 ? sectionName[(prefix.Length + 1)..] : null;
            return new ProgramSectionInfo(sectionName, definition, target);
        }
        return null;
    }
}
