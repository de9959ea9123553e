using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;

namespace RawBpf.Loader.Links;

/// <summary>perf_event_attr.type for <see cref="PerfEventSampling"/>: the two generic PMUs.</summary>
public enum PerfEventType : uint
{
    /// <summary>PERF_TYPE_HARDWARE: config is enum perf_hw_id (0 = PERF_COUNT_HW_CPU_CYCLES).</summary>
    Hardware = 0,

    /// <summary>PERF_TYPE_SOFTWARE: config is enum perf_sw_ids (0 = PERF_COUNT_SW_CPU_CLOCK).</summary>
    Software = 1,
}

/// <summary>What a perf_event program samples: one event per CPU, every <see cref="SamplePeriod"/> events or <see cref="SampleFrequency"/> times a second.</summary>
public sealed record PerfEventSampling
{
    /// <summary>The default of SEC("perf_event") auto-attach: software cpu-clock at 99 Hz on every online CPU.</summary>
    public static PerfEventSampling Default { get; } = new();

    public PerfEventType Type { get; init; } = PerfEventType.Software;

    /// <summary>perf_event_attr.config: 0 is cpu-clock (software) or cpu-cycles (hardware).</summary>
    public ulong Config { get; init; }

    /// <summary>Sample every N events (for cpu-clock: every N nanoseconds); set this or <see cref="SampleFrequency"/>.</summary>
    public ulong? SamplePeriod { get; init; }

    /// <summary>Samples per second (perf_event_attr.freq); used when <see cref="SamplePeriod"/> is null. 99 by default.</summary>
    public ulong SampleFrequency { get; init; } = 99;

    /// <summary>The CPUs to sample on; null for every online CPU.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    /// <summary>What bpf_get_attach_cookie() returns (needs BPF links for perf events, 5.15).</summary>
    public ulong Cookie { get; init; }
}

/// <summary>
/// A BPF_PROG_TYPE_PERF_EVENT program on one perf event per CPU (SEC("perf_event")): perf_event_open(pid -1, cpu N)
/// for each CPU, then a link (or the ioctl pair) on each. Disposing closes them all.
/// </summary>
public sealed class PerfEventLink : BpfLink
{
    private readonly List<(PerfEventFileDescriptor PerfEvent, BpfFileDescriptor? Link)> _events;

    private PerfEventLink(BpfAttachMethod method, List<(PerfEventFileDescriptor, BpfFileDescriptor?)> events, string target)
        : base(method, events[0].Item2, target) => _events = events;

    /// <summary>How many CPUs it samples on.</summary>
    public int CpuCount => _events.Count;

    /// <summary>The first CPU's perf event.</summary>
    public override PerfEventFileDescriptor? PerfEventFd => _events[0].PerfEvent;

    public static PerfEventLink Attach(BpfProgram program, PerfEventSampling? sampling = null, TracepointAttachPreference preference = TracepointAttachPreference.Automatic)
    {
        ArgumentNullException.ThrowIfNull(program);
        sampling ??= PerfEventSampling.Default;
        var cpus = sampling.Cpus ?? CpuSet.Online();
        if (cpus.Count == 0)
            throw new ArgumentException("no CPU to sample on", nameof(sampling));
        var rate = sampling.SamplePeriod is { } period ? $"period {period}" : $"{sampling.SampleFrequency} Hz";
        var target = $"perf_event/{(sampling.Type == PerfEventType.Software ? "software" : "hardware")}:{sampling.Config} {rate} on {cpus.Count} CPUs";
        var events = new List<(PerfEventFileDescriptor, BpfFileDescriptor?)>(cpus.Count);
        var method = BpfAttachMethod.PerfEventLink;
        try
        {
            foreach (var cpu in cpus)
            {
                var attr = new PerfEventAttr
                {
                    Type = (uint)sampling.Type,
                    Size = PerfEventAttr.SizeVer7,
                    Config = sampling.Config,
                    SamplePeriod = sampling.SamplePeriod ?? sampling.SampleFrequency,
                    Flags = sampling.SamplePeriod is null ? PerfEventAttr.FlagFreq : 0,
                };
                var perfEvent = KernelCalls.PerfEventOpen(ref attr, pid: -1, cpu, groupFd: -1, PerfEventAttr.PERF_FLAG_FD_CLOEXEC);
                try
                {
                    (method, var link) = PerfEventAttachment.Attach(program, perfEvent, sampling.Cookie, preference, target);
                    events.Add((perfEvent, link));
                }
                catch
                {
                    perfEvent.Dispose();
                    throw;
                }
            }

            return new PerfEventLink(method, events, target);
        }
        catch
        {
            Close(events);
            throw;
        }
    }

    private static void Close(List<(PerfEventFileDescriptor PerfEvent, BpfFileDescriptor? Link)> events)
    {
        foreach (var (perfEvent, link) in events)
        {
            link?.Dispose();
            perfEvent.Dispose();
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
            Close(_events);
    }
}
