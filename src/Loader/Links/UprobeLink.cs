using System.Globalization;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;

namespace RawBpf.Loader.Links;

/// <summary>
/// A BPF_PROG_TYPE_KPROBE program on a user-space function's entry (uprobe) or return (uretprobe):
/// SEC("uprobe/PATH:FUNCTION[+OFFSET]"), "uretprobe/...". Built on the uprobe PMU (4.17), or on a legacy tracefs
/// uprobe_events probe where the PMU is missing.
/// </summary>
public sealed class UprobeLink : ProbeLink
{
    private UprobeLink(BpfAttachMethod method, BpfFileDescriptor? linkFd, PerfEventFileDescriptor perfEvent, string? legacyEvent, string target, string path, ulong fileOffset)
        : base(method, linkFd, perfEvent, "uprobe", legacyEvent, target)
    {
        BinaryPath = path;
        FileOffset = fileOffset;
    }

    /// <summary>The binary's full path.</summary>
    public string BinaryPath { get; }

    /// <summary>The probed file offset (the function's plus the offset asked for).</summary>
    public ulong FileOffset { get; }

    /// <summary>
    /// Attaches to <paramref name="symbol"/> (+ <paramref name="offset"/>) in <paramref name="binary"/> (a path, or a
    /// library/program name searched as libbpf does), or, with no symbol, at file offset <paramref name="offset"/>.
    /// <paramref name="pid"/> -1 probes every process, else only that one.
    /// </summary>
    /// <exception cref="BpfAttachException">The binary does not exist, has no such function, or the kernel has no uprobes.</exception>
    public static UprobeLink Attach(BpfProgram program, string binary, string? symbol, ulong offset = 0, int pid = -1, bool retprobe = false, ulong cookie = 0, TracepointAttachPreference preference = TracepointAttachPreference.Automatic)
    {
        ArgumentNullException.ThrowIfNull(program);
        var kind = retprobe ? "uretprobe" : "uprobe";
        string path;
        ulong fileOffset;
        try
        {
            path = UprobeTargets.ResolveBinaryPath(binary);
            fileOffset = (symbol is null ? 0 : UprobeTargets.FindFunctionOffset(path, symbol)) + offset;
        }
        catch (Exception e) when (e is FileNotFoundException or KeyNotFoundException or InputFileException)
        {
            throw new BpfAttachException($"cannot attach program \"{program.Name}\" as {kind} to {binary}{(symbol is null ? string.Empty : ":" + symbol)}: {e.Message}", e);
        }

        var target = string.Create(CultureInfo.InvariantCulture, $"{kind}/{path}:{symbol ?? string.Empty}{(symbol is null ? $"0x{fileOffset:x}" : offset != 0 ? $"+0x{offset:x}" : string.Empty)}");
        PerfEventFileDescriptor perfEvent;
        string? legacyEvent = null;
        if (ProbePmu.Uprobe is { } pmu)
            perfEvent = ProbeEvents.OpenPmu(pmu, retprobe, path, fileOffset, pid);
        else if (ProbeEvents.HasLegacyEvents("uprobe"))
            (perfEvent, legacyEvent) = ProbeEvents.OpenLegacy("uprobe", retprobe, string.Create(CultureInfo.InvariantCulture, $"{path}:0x{fileOffset:x}"), Path.GetFileName(path), pid);
        else
            throw new BpfLinkNotSupportedException("uprobes", "4.17 built with CONFIG_UPROBE_EVENTS=y", "(no uprobe PMU in /sys/bus/event_source/devices and no uprobe_events in tracefs)");

        var (method, linkFd) = AttachOrRelease(program, perfEvent, "uprobe", legacyEvent, cookie, preference, target);
        return new UprobeLink(method, linkFd, perfEvent, legacyEvent, target, path, fileOffset);
    }
}
