using System.Globalization;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;

namespace RawBpf.Loader.Links;

/// <summary>
/// A BPF_PROG_TYPE_KPROBE program on a kernel function's entry (kprobe) or return (kretprobe), SEC("kprobe/FUNC"),
/// "kretprobe/FUNC", "ksyscall/NAME", "kretsyscall/NAME". Built on the kprobe PMU (4.17), or on a legacy tracefs
/// kprobe_events probe where the PMU is missing.
/// </summary>
public sealed class KprobeLink : ProbeLink
{
    private KprobeLink(BpfAttachMethod method, BpfFileDescriptor? linkFd, PerfEventFileDescriptor perfEvent, string? legacyEvent, string target)
        : base(method, linkFd, perfEvent, "kprobe", legacyEvent, target)
    {
    }

    /// <summary>
    /// Attaches to kernel function <paramref name="symbol"/> (+ <paramref name="offset"/> bytes), at its return when
    /// <paramref name="retprobe"/>; <paramref name="cookie"/> is what bpf_get_attach_cookie() returns (5.15).
    /// </summary>
    /// <exception cref="BpfAttachException">An unknown kernel function, or a kernel without kprobes.</exception>
    public static KprobeLink Attach(BpfProgram program, string symbol, ulong offset = 0, bool retprobe = false, ulong cookie = 0, TracepointAttachPreference preference = TracepointAttachPreference.Automatic)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentException.ThrowIfNullOrEmpty(symbol);
        var spec = offset == 0 ? symbol : string.Create(CultureInfo.InvariantCulture, $"{symbol}+0x{offset:x}");
        var target = (retprobe ? "kretprobe/" : "kprobe/") + spec;
        PerfEventFileDescriptor perfEvent;
        string? legacyEvent = null;
        try
        {
            if (ProbePmu.Kprobe is { } pmu)
                perfEvent = ProbeEvents.OpenPmu(pmu, retprobe, symbol, offset, pid: -1);
            else if (ProbeEvents.HasLegacyEvents("kprobe"))
                (perfEvent, legacyEvent) = ProbeEvents.OpenLegacy("kprobe", retprobe, spec, symbol, pid: -1);
            else
                throw NoKprobes();
        }
        catch (Exception e) when (e is LinuxSyscallException or IOException && !KernelSymbols.IsFunction(symbol))
        {
            throw new BpfAttachException($"cannot attach program \"{program.Name}\" to {target}: unknown kernel function \"{symbol}\" (not in /proc/kallsyms)", e);
        }

        var (method, linkFd) = AttachOrRelease(program, perfEvent, "kprobe", legacyEvent, cookie, preference, target);
        return new KprobeLink(method, linkFd, perfEvent, legacyEvent, target);
    }

    /// <summary>
    /// Attaches to system call <paramref name="syscall"/> (e.g. "openat") through its arch wrapper
    /// (<c>__x64_sys_openat</c>) when the kernel has syscall wrappers, else <c>__se_sys_openat</c>, as libbpf's ksyscall.
    /// </summary>
    public static KprobeLink AttachSyscall(BpfProgram program, string syscall, bool retprobe = false, ulong cookie = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(syscall);
        var function = KernelFeatures.HasSyscallWrapper && KernelSymbols.SyscallWrapperPrefix is { } prefix
            ? $"__{prefix}_sys_{syscall}"
            : "__se_sys_" + syscall;
        return Attach(program, function, 0, retprobe, cookie);
    }

    /// <summary>The error for a kernel with neither the kprobe PMU nor tracefs kprobe_events.</summary>
    internal static BpfLinkNotSupportedException NoKprobes() => new(
        "kprobes", "4.17 built with CONFIG_KPROBES=y",
        "(no kprobe PMU in /sys/bus/event_source/devices and no kprobe_events in tracefs)");
}
