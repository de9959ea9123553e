using System.Globalization;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// What a failed bpf(2) call means for the user, told from what is true for this call on this machine: the
/// capabilities the process holds, whether the kernel charges RLIMIT_MEMLOCK, which file system a pin path is on.
/// A hint that cannot be known to apply is not given; none tells a process that holds a capability to get it.
/// </summary>
internal static class BpfErrorHints
{
    private const string SecurityPolicy = "a security policy (an LSM such as SELinux or AppArmor, or a BPF LSM program) or a restriction of this kernel refused it";

    /// <summary>Programs BPF_PROG_LOAD also checks CAP_PERFMON for (kernel/bpf/syscall.c, is_perfmon_prog_type).</summary>
    private static readonly HashSet<BpfProgramType> PerfmonTypes =
    [
        BpfProgramType.Kprobe, BpfProgramType.Tracepoint, BpfProgramType.PerfEvent, BpfProgramType.RawTracepoint,
        BpfProgramType.RawTracepointWritable, BpfProgramType.Tracing, BpfProgramType.Lsm, BpfProgramType.StructOps,
        BpfProgramType.Ext,
    ];

    /// <summary>Programs BPF_PROG_LOAD also checks CAP_NET_ADMIN for (kernel/bpf/syscall.c, is_net_admin_prog_type).</summary>
    private static readonly HashSet<BpfProgramType> NetAdminTypes =
    [
        BpfProgramType.SchedCls, BpfProgramType.SchedAct, BpfProgramType.Xdp, BpfProgramType.LwtIn,
        BpfProgramType.LwtOut, BpfProgramType.LwtXmit, BpfProgramType.LwtSeg6Local, BpfProgramType.SkSkb,
        BpfProgramType.SkMsg, BpfProgramType.FlowDissector, BpfProgramType.CgroupDevice, BpfProgramType.CgroupSock,
        BpfProgramType.CgroupSockAddr, BpfProgramType.CgroupSockopt, BpfProgramType.CgroupSysctl,
        BpfProgramType.SockOps, BpfProgramType.Ext, BpfProgramType.Netfilter,
    ];

    public static IReadOnlyList<string> For(BpfCommand command, int errno)
    {
        if (command is BpfCommand.MapUpdateElem or BpfCommand.MapDeleteElem && errno == Errno.EPERM)
        {
            return ["the map is frozen (BPF_MAP_FREEZE) or read-only for user space (BPF_F_RDONLY)"];
        }

        if (errno == Errno.EPERM && IsLookupById(command) && !Capabilities.Has(Capability.SysAdmin))
        {
            return [$"{UapiNames.Command(command)} needs CAP_SYS_ADMIN, which this process lacks: CAP_BPF does not open other processes' BPF objects by id"];
        }

        return errno == Errno.EPERM ? PermissionHints(command, [Capability.Bpf], hasLog: false) : [];
    }

    private static bool IsLookupById(BpfCommand command) => command is BpfCommand.ProgGetNextId or BpfCommand.MapGetNextId
        or BpfCommand.BtfGetNextId or BpfCommand.LinkGetNextId or BpfCommand.ProgGetFdById or BpfCommand.MapGetFdById
        or BpfCommand.BtfGetFdById or BpfCommand.LinkGetFdById;

    /// <summary>BPF_PROG_LOAD: the capabilities this program type needs; memlock and policy only when the kernel left no log.</summary>
    public static IReadOnlyList<string> ForProgramLoad(int errno, BpfProgramType type, bool hasLog)
    {
        if (errno == Errno.E2BIG && !hasLog)
        {
            return [Capabilities.HasOrSysAdmin(Capability.Bpf)
                ? "the program has more instructions than the kernel accepts (1M)"
                : "without CAP_BPF the kernel accepts at most 4096 instructions, and this process lacks CAP_BPF"];
        }

        if (errno == Errno.E2BIG)
        {
            return ["the verifier gave up: the program exceeds its limit of 1M processed instructions"];
        }

        if (errno != Errno.EPERM)
        {
            return [];
        }

        return PermissionHints(BpfCommand.ProgLoad, Needed([type]), hasLog);
    }

    /// <summary>
    /// For an object whose load failed with EPERM: what loading all of it needs (CAP_BPF, plus CAP_PERFMON or
    /// CAP_NET_ADMIN for its program types) when the process lacks some of that; null when it lacks none.
    /// </summary>
    public static string? ForObjectLoad(string objectName, IEnumerable<BpfProgramType> programTypes) =>
        MissingCapabilities($"loading object '{objectName}'", Needed(programTypes));

    /// <summary>The capabilities BPF_PROG_LOAD checks for these program types (kernel/bpf/syscall.c, bpf_prog_load).</summary>
    private static List<Capability> Needed(IEnumerable<BpfProgramType> programTypes)
    {
        List<Capability> needed = [Capability.Bpf];
        foreach (var type in programTypes)
        {
            if (PerfmonTypes.Contains(type) && !needed.Contains(Capability.Perfmon))
            {
                needed.Add(Capability.Perfmon);
            }

            if (NetAdminTypes.Contains(type) && !needed.Contains(Capability.NetAdmin))
            {
                needed.Add(Capability.NetAdmin);
            }
        }

        return needed;
    }

    /// <summary>BPF_OBJ_PIN: the kernel pins only into a bpffs directory (EPERM otherwise), never over an existing name.</summary>
    public static IReadOnlyList<string> ForPin(int errno, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        return errno switch
        {
            Errno.EPERM when !BpfFs.IsOnBpfFs(directory) =>
                [$"{directory} is not on a BPF file system: pin under a bpffs mount (mount -t bpf bpf /sys/fs/bpf)"],
            Errno.EPERM => [$"{directory} is on a BPF file system, so that does not explain it: {SecurityPolicy}"],
            Errno.EEXIST => [$"{path} already exists: remove it (rm {path}) or pin under another name"],
            Errno.ENOENT => [$"{directory} does not exist"],
            Errno.ENOTDIR => [$"a component of {directory} is not a directory"],
            Errno.EACCES => [$"this process may not create files in {directory}"],
            _ => [],
        };
    }

    /// <summary>
    /// EPERM from a call that creates something: BPF_PROG_LOAD, BPF_MAP_CREATE and BPF_BTF_LOAD check CAP_BPF
    /// (CAP_SYS_ADMIN covers every check), kernels before 5.11 charge RLIMIT_MEMLOCK, and an LSM may refuse.
    /// </summary>
    private static List<string> PermissionHints(BpfCommand command, List<Capability> needed, bool hasLog)
    {
        if (MissingCapabilities(UapiNames.Command(command), needed) is { } missing)
        {
            return [missing];
        }

        if (hasLog || command is not (BpfCommand.ProgLoad or BpfCommand.MapCreate or BpfCommand.BtfLoad))
        {
            return [];
        }

        if (MemlockHint() is { } memlock)
        {
            return [memlock];
        }

        var held = string.Join(" and ", needed.Select(Capabilities.Name));
        return [$"this process holds {held} and RLIMIT_MEMLOCK does not limit its BPF memory, so neither explains it: {SecurityPolicy}"];
    }

    /// <summary>"WHAT needs CAP_X (…), which this process lacks: remedy", or null when it holds them all (CAP_SYS_ADMIN covers every check).</summary>
    private static string? MissingCapabilities(string what, List<Capability> needed)
    {
        var missing = Capabilities.Has(Capability.SysAdmin) ? [] : needed.Where(c => !Capabilities.Has(c)).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        var names = string.Join(" and ", missing.Select(Capabilities.Name));
        var remedy = Environment.IsPrivilegedProcess
            ? "root's capability set was reduced for this process"
            : "run it as root or grant " + (missing.Count > 1 ? "them" : "it");
        return $"{what} needs {names} (CAP_SYS_ADMIN before Linux 5.8), which this process lacks{(missing.Contains(Capability.Bpf) ? UnprivilegedBpfDisabled() : "")}: {remedy}";
    }

    /// <summary>Why even the calls open to unprivileged users need CAP_BPF here, when the sysctl says so.</summary>
    private static string UnprivilegedBpfDisabled()
    {
        try
        {
            var value = File.ReadAllText("/proc/sys/kernel/unprivileged_bpf_disabled").Trim();
            return value is "" or "0" ? "" : $" (kernel.unprivileged_bpf_disabled={value})";
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Only on kernels that charge BPF memory to RLIMIT_MEMLOCK (before 5.11), and only while the limit is finite.</summary>
    private static string? MemlockHint()
    {
        if (KernelFeatures.HasMemcgAccounting)
        {
            return null;
        }

        ulong limit;
        try
        {
            limit = MemlockLimit.Current;
        }
        catch (LinuxSyscallException)
        {
            return null;
        }

        if (limit == ulong.MaxValue)
        {
            return null;
        }

        var kib = (limit / 1024).ToString(CultureInfo.InvariantCulture);
        return $"no memcg accounting of BPF memory was detected (it came in Linux 5.11), so RLIMIT_MEMLOCK limits it, and it is {kib} KiB here: raise it (ulimit -l unlimited, or LimitMEMLOCK=infinity for a systemd service)";
    }
}
