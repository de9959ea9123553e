using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;

namespace RawBpf.Loader.Links;

/// <summary>A BPF_PROG_TYPE_TRACEPOINT program on a tracefs tracepoint (SEC("tp/CATEGORY/NAME") or "tracepoint/...").</summary>
public sealed class TracepointLink : ProbeLink
{
    private TracepointLink(BpfAttachMethod method, BpfFileDescriptor? linkFd, PerfEventFileDescriptor perfEvent, string target)
        : base(method, linkFd, perfEvent, null, null, target)
    {
    }

    /// <summary>
    /// Attaches to <paramref name="category"/>/<paramref name="name"/>: perf_event_open(PERF_TYPE_TRACEPOINT,
    /// config = tracepoint id, pid -1, cpu 0) — a tracepoint event fires for every CPU whichever CPU it was opened
    /// on — then a BPF link (carrying <paramref name="cookie"/>, 5.15) or the ioctl pair.
    /// </summary>
    public static TracepointLink Attach(BpfProgram program, string category, string name, ulong cookie = 0, TracepointAttachPreference preference = TracepointAttachPreference.Automatic)
    {
        ArgumentNullException.ThrowIfNull(program);
        var attr = new PerfEventAttr
        {
            Type = PerfEventAttr.PERF_TYPE_TRACEPOINT,
            Size = PerfEventAttr.SizeVer7,
            Config = Tracefs.GetTracepointId(category, name),
            SamplePeriod = 1,
            WakeupEvents = 1,
        };
        var target = $"tracepoint/{category}/{name}";
        var perfEvent = KernelCalls.PerfEventOpen(ref attr, pid: -1, cpu: 0, groupFd: -1, PerfEventAttr.PERF_FLAG_FD_CLOEXEC);
        var (method, linkFd) = AttachOrRelease(program, perfEvent, null, null, cookie, preference, target);
        return new TracepointLink(method, linkFd, perfEvent, target);
    }
}
