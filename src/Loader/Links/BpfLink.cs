using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;

namespace RawBpf.Loader.Links;

/// <summary>How a program was attached.</summary>
public enum BpfAttachMethod
{
    /// <summary>perf_event_open + BPF_LINK_CREATE(BPF_PERF_EVENT): a bpf_link over the perf event (5.15+).</summary>
    PerfEventLink,

    /// <summary>perf_event_open + ioctl(PERF_EVENT_IOC_SET_BPF) + ioctl(PERF_EVENT_IOC_ENABLE): the pre-5.15 path; the perf event fd owns the attachment.</summary>
    PerfEventIoctl,

    /// <summary>BPF_RAW_TRACEPOINT_OPEN: raw_tp by name, or tp_btf/fentry/fexit/lsm through the program's attach_btf_id.</summary>
    RawTracepointOpen,


    /// <summary>BPF_PROG_ATTACH to a cgroup with BPF_F_ALLOW_MULTI (kernels without cgroup links); BPF_PROG_DETACH undoes it.</summary>
    ProgAttach,

    /// <summary>A cls_bpf filter on a clsact qdisc through rtnetlink (kernels without tcx); RTM_DELTFILTER undoes it.</summary>
    TcNetlinkFilter,

    /// <summary>setsockopt(SO_ATTACH_BPF) on a socket; SO_DETACH_BPF undoes it.</summary>
    SocketOption,
    /// <summary>
    /// BPF_LINK_CREATE with the program's own attach type (kprobe.multi, uprobe.multi, iterators, tracing with a
    /// cookie; XDP and tcx on an ifindex, a cgroup fd, a netns fd).
    /// </summary>
    LinkCreate,

    /// <summary>A link opened from bpffs (BPF_OBJ_GET): attached by someone else, possibly another process.</summary>
    Pinned,

    /// <summary>BPF_MAP_UPDATE_ELEM of a struct_ops map registers it (a <c>.struct_ops</c> map, no link); BPF_MAP_DELETE_ELEM unregisters.</summary>
    StructOpsMapUpdate,
}

/// <summary>Which perf-event attach path to take (tracepoints, kprobes, uprobes, perf events).</summary>
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
/// An attachment of a program; disposing it detaches. Each attach kind is a subclass in this namespace
/// (<see cref="TracepointLink"/>, <see cref="KprobeLink"/>, <see cref="UprobeLink"/>, <see cref="XdpLink"/>,
/// <see cref="TcxLink"/>, <see cref="CgroupLink"/>...); this base holds the
/// bpf_link fd (if the kernel made one), what it is attached to, and which path was taken.
/// </summary>
public class BpfLink : IDisposable
{
    private protected BpfLink(BpfAttachMethod method, BpfFileDescriptor? linkFd, string target)
    {
        Method = method;
        LinkFd = linkFd;
        Target = target;
    }

    public BpfAttachMethod Method { get; }

    /// <summary>The bpf_link fd (null on the ioctl path, which has no link object).</summary>
    public BpfFileDescriptor? LinkFd { get; }

    /// <summary>What it is attached to, e.g. <c>tracepoint/sched/sched_process_exit</c> or <c>kprobe/do_sys_openat2</c>.</summary>
    public string Target { get; }

    /// <summary>The perf event fd, for the attach kinds built on one (tracepoint, kprobe, uprobe); else null.</summary>
    public virtual PerfEventFileDescriptor? PerfEventFd => null;

    /// <summary>See <see cref="TracepointLink.Attach"/>.</summary>
    public static BpfLink AttachTracepoint(BpfProgram program, string category, string name, TracepointAttachPreference preference = TracepointAttachPreference.Automatic) =>
        TracepointLink.Attach(program, category, name, 0, preference);

    /// <summary>See <see cref="RawTracepointLink.Attach"/>.</summary>
    public static BpfLink AttachRawTracepoint(BpfProgram program, string name) => RawTracepointLink.Attach(program, name);

    /// <summary>See <see cref="TracingLink.Attach"/>.</summary>
    public static BpfLink AttachTracing(BpfProgram program) => TracingLink.Attach(program, 0);

    /// <summary>Opens a link pinned in bpffs (by <see cref="Pin"/>, bpftool or rawbpf); disposing it closes this fd only, the pin keeps the attachment.</summary>
    public static BpfLink OpenPinned(string path)
    {
        var fd = BpfFs.GetPinned(path);
        try
        {
            // BPF_OBJ_GET opens whatever is pinned; only a link's anonymous inode is named bpf_link (bpf-link on newer kernels).
            if (new FileInfo($"/proc/self/fd/{fd.RawFd}").LinkTarget is not ("anon_inode:bpf_link" or "anon_inode:bpf-link"))
                throw new BpfAttachException($"{path} is not a pinned link (a program or map is pinned there?)");
            var info = ObjectInfo.GetLinkInfo(fd);
            return new BpfLink(BpfAttachMethod.Pinned, fd, $"{BpfLinkKinds.Name(info.Type)} link {info.Id} pinned at {path}");
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>BPF_OBJ_GET_INFO_BY_FD on the link (null on the ioctl path, which has no link object).</summary>
    public BpfLinkInformation? GetInfo() => LinkFd is null ? null : ObjectInfo.GetLinkInfo(LinkFd);

    /// <summary>
    /// BPF_OBJ_PIN: keeps the attachment alive at <paramref name="path"/> in bpffs after this process closes it
    /// (until the pin is removed). Only a bpf_link can be pinned: the ioctl path (pre-5.15 perf events) has none.
    /// </summary>
    public void Pin(string path)
    {
        var fd = LinkFd ?? throw new InvalidOperationException(
            $"the attachment to {Target} has no bpf_link to pin: it was made with {Method} (a kernel before 5.15 has no links for perf events)");
        BpfFs.Pin(fd, path);
    }

    /// <summary>
    /// Leaves the attachment in place when this link is disposed, as libbpf's bpf_link__disconnect: disposing then
    /// closes this process's descriptors without undoing anything. What the kernel holds by itself outlives the
    /// process (a registered <c>.struct_ops</c> map, a BPF_PROG_ATTACH to a cgroup, a tc filter, a link pinned in
    /// bpffs); what only a descriptor holds (an unpinned bpf_link, a perf event, a socket's filter) still ends with it.
    /// </summary>
    public void Disconnect() => IsDisconnected = true;

    /// <summary>Whether <see cref="Disconnect"/> was called: a subclass's disposal then only closes what it holds.</summary>
    private protected bool IsDisconnected { get; private set; }

    /// <summary>Detaches (unless <see cref="Disconnect"/>ed): closes the link and whatever else the attach kind holds.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the link fd; subclasses release what they add after calling this.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
            LinkFd?.Dispose();
    }
}
