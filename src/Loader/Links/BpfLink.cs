using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

using BpfProgram = RawBpf.Loader.Programs.BpfProgram;

namespace RawBpf.Loader.Links;

/// <summary>How a program was attached.</summary>
public enum BpfAttachMethod
{
    /// <summary>perf_event_open + BPF_LINK_CREATE(BPF_PERF_EVENT): a bpf_link over the perf event (5.15+).</summary>
    PerfEventLink,

    /// <summary>perf_event_open + ioctl(PERF_EVENT_IOC_SET_BPF) + ioctl(PERF_EVENT_IOC_ENABLE): the pre-5.15 path; the perf event fd owns the attachment.</summary>
    PerfEventIoctl,

    /// <summary>BPF_RAW_TRACEPOINT_OPEN: raw_tp by name, or tp_btf/fentry/fexit through the program's attach_btf_id.</summary>
    RawTracepointOpen,

    /// <summary>BPF_LINK_CREATE with the program's own attach type (XDP and tcx on an ifindex, a cgroup fd, a netns fd).</summary>
    LinkCreate,

    /// <summary>BPF_PROG_ATTACH to a cgroup with BPF_F_ALLOW_MULTI (kernels without cgroup links); BPF_PROG_DETACH undoes it.</summary>
    ProgAttach,

    /// <summary>A cls_bpf filter on a clsact qdisc through rtnetlink (kernels without tcx); RTM_DELTFILTER undoes it.</summary>
    TcNetlinkFilter,

    /// <summary>setsockopt(SO_ATTACH_BPF) on a socket; SO_DETACH_BPF undoes it.</summary>
    SocketOption,
}

/// <summary>Which tracepoint attach path to take.</summary>
public enum TracepointAttachPreference
{
    /// <summary>A BPF link when the kernel has it (probed), else the ioctl path.</summary>
    Automatic,

    /// <summary>Always BPF_LINK_CREATE (fails before 5.15).</summary>
    ForceLink,

    /// <summary>Always PERF_EVENT_IOC_SET_BPF (works on every kernel; used to test the old path).</summary>
    ForceIoctl,
}

/// <summary>
/// An attachment of a program; disposing it detaches. Holds the perf event fd and/or the bpf_link fd, and says
/// which path was taken (<see cref="Method"/>). The attach kinds in this namespace (<see cref="XdpLink"/>,
/// <see cref="TcxLink"/>, <see cref="CgroupLink"/>...) derive from it and release what they add in
/// <see cref="Dispose(bool)"/>.
/// </summary>
public class BpfLink : IDisposable
{
    private protected BpfLink(BpfAttachMethod method, BpfFileDescriptor? linkFd, string target)
        : this(method, linkFd, null, target)
    {
    }

    private BpfLink(BpfAttachMethod method, BpfFileDescriptor? linkFd, PerfEventFileDescriptor? perfEventFd, string target)
    {
        Method = method;
        LinkFd = linkFd;
        PerfEventFd = perfEventFd;
        Target = target;
    }

    public BpfAttachMethod Method { get; }

    /// <summary>The bpf_link fd (null on the ioctl path).</summary>
    public BpfFileDescriptor? LinkFd { get; }

    /// <summary>The perf event fd (tracepoint attachments only).</summary>
    public PerfEventFileDescriptor? PerfEventFd { get; }

    /// <summary>What it is attached to, e.g. <c>tracepoint/sched/sched_process_exit</c>.</summary>
    public string Target { get; }

    /// <summary>
    /// Attaches a BPF_PROG_TYPE_TRACEPOINT program to <paramref name="category"/>/<paramref name="name"/>:
    /// perf_event_open(PERF_TYPE_TRACEPOINT, config = tracepoint id, pid -1, cpu 0) — a tracepoint event fires for
    /// every CPU whichever CPU it was opened on — then a BPF link or the ioctl pair.
    /// </summary>
    public static BpfLink AttachTracepoint(BpfProgram program, string category, string name, TracepointAttachPreference preference = TracepointAttachPreference.Automatic)
    {
        ArgumentNullException.ThrowIfNull(program);
        var id = Tracefs.GetTracepointId(category, name);
        var attr = new PerfEventAttr
        {
            Type = PerfEventAttr.PERF_TYPE_TRACEPOINT,
            Size = PerfEventAttr.SizeVer7,
            Config = id,
            SamplePeriod = 1,
            WakeupEvents = 1,
        };
        var perfEvent = KernelCalls.PerfEventOpen(ref attr, pid: -1, cpu: 0, groupFd: -1, PerfEventAttr.PERF_FLAG_FD_CLOEXEC);
        var target = $"tracepoint/{category}/{name}";
        try
        {
            var useLink = preference switch
            {
                TracepointAttachPreference.ForceLink => true,
                TracepointAttachPreference.ForceIoctl => false,
                _ => KernelFeatures.HasPerfEventLink,
            };
            if (useLink)
            {
                using var programLease = program.Fd.Lease();
                using var eventLease = perfEvent.Lease();
                var link = new LinkCreateAttr { ProgFd = programLease.Fd, TargetFd = eventLease.Fd, AttachType = (uint)BpfAttachType.PerfEvent };
                var linkFd = BpfSyscall.InvokeForFd(BpfCommand.LinkCreate, ref link, $"program \"{program.Name}\" on {target}");
                return new BpfLink(BpfAttachMethod.PerfEventLink, linkFd, perfEvent, target);
            }

            // The perf event fd now owns the attachment: closing it detaches the program.
            using var lease = program.Fd.Lease();
            KernelCalls.Ioctl(perfEvent, Libc.PERF_EVENT_IOC_SET_BPF, "PERF_EVENT_IOC_SET_BPF", lease.Fd);
            KernelCalls.Ioctl(perfEvent, Libc.PERF_EVENT_IOC_ENABLE, "PERF_EVENT_IOC_ENABLE", 0);
            return new BpfLink(BpfAttachMethod.PerfEventIoctl, null, perfEvent, target);
        }
        catch
        {
            perfEvent.Dispose();
            throw;
        }
    }

    /// <summary>Attaches a BPF_PROG_TYPE_RAW_TRACEPOINT program to raw tracepoint <paramref name="name"/> (e.g. <c>sched_process_exit</c>).</summary>
    public static BpfLink AttachRawTracepoint(BpfProgram program, string name)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return RawTracepointOpen(program, name, "raw_tracepoint/" + name);
    }

    /// <summary>
    /// Attaches a BTF-typed tracing program (tp_btf, fentry, fexit) whose target was fixed at load time by
    /// attach_btf_id: BPF_RAW_TRACEPOINT_OPEN with a NULL name.
    /// </summary>
    public static BpfLink AttachTracing(BpfProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        return RawTracepointOpen(program, null, "tracing/" + program.Name);
    }

    private static unsafe BpfLink RawTracepointOpen(BpfProgram program, string? name, string target)
    {
        var nameBytes = name is null ? null : BpfFs.NullTerminated(name);
        fixed (byte* namePointer = nameBytes)
        {
            using var lease = program.Fd.Lease();
            var attr = new RawTracepointOpenAttr { Name = (ulong)namePointer, ProgFd = lease.Fd };
            var fd = BpfSyscall.InvokeForFd(BpfCommand.RawTracepointOpen, ref attr, $"program \"{program.Name}\" on {target}");
            return new BpfLink(BpfAttachMethod.RawTracepointOpen, fd, null, target);
        }
    }

    /// <summary>BPF_OBJ_GET_INFO_BY_FD on the link (null on the ioctl path, which has no link object).</summary>
    public BpfLinkInformation? GetInfo() => LinkFd is null ? null : ObjectInfo.GetLinkInfo(LinkFd);

    /// <summary>Detaches: closes the link and whatever else the attach kind holds.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the link, then the perf event; subclasses release what they add after calling this.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            LinkFd?.Dispose();
            PerfEventFd?.Dispose();
        }
    }
}
