using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;

namespace RawBpf.Loader.Links;

/// <summary>
/// An attachment through one perf event (tracepoint, kprobe, uprobe): holds the event, and for a legacy tracefs
/// probe (kprobe_events/uprobe_events) its name, which Dispose removes after closing the event.
/// </summary>
public abstract class ProbeLink : BpfLink
{
    private readonly PerfEventFileDescriptor _perfEvent;
    private readonly string? _legacyKind;

    private protected ProbeLink(BpfAttachMethod method, BpfFileDescriptor? linkFd, PerfEventFileDescriptor perfEvent, string? legacyKind, string? legacyEvent, string target)
        : base(method, linkFd, target)
    {
        _perfEvent = perfEvent;
        _legacyKind = legacyKind;
        LegacyEventName = legacyEvent;
    }

    public override PerfEventFileDescriptor? PerfEventFd => _perfEvent;

    /// <summary>The tracefs event of a legacy probe, or null on the PMU (or tracepoint) path.</summary>
    public string? LegacyEventName { get; }

    /// <summary>Attaches to the opened event; on failure closes it and removes its legacy probe, if any.</summary>
    private protected static (BpfAttachMethod Method, BpfFileDescriptor? LinkFd) AttachOrRelease(
        BpfProgram program, PerfEventFileDescriptor perfEvent, string? legacyKind, string? legacyEvent, ulong cookie, TracepointAttachPreference preference, string target)
    {
        try
        {
            return PerfEventAttachment.Attach(program, perfEvent, cookie, preference, target);
        }
        catch
        {
            Release(perfEvent, legacyKind, legacyEvent);
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
            Release(_perfEvent, _legacyKind, LegacyEventName);
    }

    private static void Release(PerfEventFileDescriptor perfEvent, string? legacyKind, string? legacyEvent)
    {
        perfEvent.Dispose();
        if (legacyKind is not null && legacyEvent is not null)
            ProbeEvents.RemoveLegacy(legacyKind, legacyEvent);
    }
}
