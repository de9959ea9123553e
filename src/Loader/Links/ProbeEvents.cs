using System.Globalization;
using System.Text;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;

namespace RawBpf.Loader.Links;

/// <summary>
/// The perf events kprobes and uprobes hang on: one from the probe PMU (perf_event_attr.type = the PMU's type,
/// config1 = kprobe_func / uprobe_path, config2 = kprobe offset / probe_offset, the retprobe bit in config), or,
/// on kernels without the PMU, a legacy probe written to tracefs <c>kprobe_events</c>/<c>uprobe_events</c> and
/// opened as a tracepoint, as libbpf does.
/// </summary>
internal static unsafe class ProbeEvents
{
    private static int _legacyCounter;

    /// <summary>perf_event_open on <paramref name="pmu"/>: pid -1 with cpu 0 (every process), or the pid on any CPU.</summary>
    public static PerfEventFileDescriptor OpenPmu(ProbePmu pmu, bool retprobe, string config1, ulong config2, int pid)
    {
        var text = BpfFs.NullTerminated(config1);
        fixed (byte* name = text)
        {
            var attr = new PerfEventAttr
            {
                Type = pmu.Type,
                Size = PerfEventAttr.SizeVer7,
                Config = retprobe ? 1UL << pmu.ReturnProbeBit : 0,
                Config1 = (ulong)name,
                Config2 = config2,
                SamplePeriod = 1,
                WakeupEvents = 1,
            };
            return KernelCalls.PerfEventOpen(ref attr, pid < 0 ? -1 : pid, pid < 0 ? 0 : -1, -1, PerfEventAttr.PERF_FLAG_FD_CLOEXEC);
        }
    }

    /// <summary>Whether tracefs has <c>KIND_events</c> (kind "kprobe" or "uprobe") for legacy probes.</summary>
    public static bool HasLegacyEvents(string kind)
    {
        try
        {
            return File.Exists(Path.Combine(Tracefs.Locate(), kind + "_events"));
        }
        catch (Exception e) when (e is KernelInterfaceException or LinuxSyscallException)
        {
            return false;
        }
    }

    /// <summary>
    /// Adds a legacy probe ("p:kprobes/NAME SPEC" or "r:..." to tracefs KIND_events) and opens it as a tracepoint.
    /// Returns the perf event and the event's name, which <see cref="RemoveLegacy"/> takes.
    /// </summary>
    public static (PerfEventFileDescriptor PerfEvent, string EventName) OpenLegacy(string kind, bool retprobe, string spec, string nameHint, int pid)
    {
        var root = Tracefs.Locate();
        var name = new StringBuilder("rawbpf_").Append(Environment.ProcessId).Append('_');
        foreach (var c in nameHint)
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        name.Append('_').Append(Interlocked.Increment(ref _legacyCounter).ToString(CultureInfo.InvariantCulture));
        var eventName = name.ToString();
        var group = kind + "s";
        File.AppendAllText(Path.Combine(root, kind + "_events"), $"{(retprobe ? 'r' : 'p')}:{group}/{eventName} {spec}\n");
        try
        {
            var id = Tracefs.GetTracepointId(group, eventName);
            var attr = new PerfEventAttr { Type = PerfEventAttr.PERF_TYPE_TRACEPOINT, Size = PerfEventAttr.SizeVer7, Config = id, SamplePeriod = 1, WakeupEvents = 1 };
            return (KernelCalls.PerfEventOpen(ref attr, pid < 0 ? -1 : pid, pid < 0 ? 0 : -1, -1, PerfEventAttr.PERF_FLAG_FD_CLOEXEC), eventName);
        }
        catch
        {
            RemoveLegacy(kind, eventName);
            throw;
        }
    }

    /// <summary>Removes a legacy probe ("-:kprobes/NAME"); its perf event must be closed first.</summary>
    public static void RemoveLegacy(string kind, string eventName)
    {
        try
        {
            File.AppendAllText(Path.Combine(Tracefs.Locate(), kind + "_events"), $"-:{kind}s/{eventName}\n");
        }
        catch (IOException)
        {
            // Already gone (removed by hand): nothing of ours is left.
        }
    }
}
