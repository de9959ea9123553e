using RawBpf.Loader.Interop;

namespace RawBpf.Loader;

/// <summary>A system call the loader made failed: names the call, errno and its text, and a hint when there is one.</summary>
public class LinuxSyscallException : Exception
{
    public LinuxSyscallException(string call, int errno, string? hint = null)
        : this(call, errno, hint is null ? [] : [hint], null)
    {
    }

    private protected LinuxSyscallException(string call, int errno, IReadOnlyList<string> hints, string? detail)
        : base(Compose(call, errno, hints, detail))
    {
        Call = call;
        Errno = errno;
        Hints = hints;
    }

    /// <summary>The failing call, e.g. <c>bpf(BPF_MAP_CREATE)</c> or <c>perf_event_open</c>.</summary>
    public string Call { get; }

    /// <summary>The errno value.</summary>
    public int Errno { get; }

    /// <summary>The symbolic errno, e.g. <c>EPERM</c>.</summary>
    public string ErrnoName => Interop.Errno.Name(Errno);

    /// <summary>What the user can do about it, if we know.</summary>
    public IReadOnlyList<string> Hints { get; }

    private static string Compose(string call, int errno, IReadOnlyList<string> hints, string? detail)
    {
        var message = $"{call} failed: {Interop.Errno.Name(errno)} ({Interop.Errno.Describe(errno)})";
        if (detail is not null)
        {
            message += detail.StartsWith('\n') ? detail : " " + detail;
        }

        foreach (var hint in hints)
        {
            message += "\n  hint: " + hint;
        }

        return message;
    }
}

/// <summary>A bpf(2) command failed.</summary>
public class BpfSyscallException : LinuxSyscallException
{
    public BpfSyscallException(BpfCommand command, int errno, string? subject = null)
        : this(command, errno, subject, null)
    {
    }

    private protected BpfSyscallException(BpfCommand command, int errno, string? subject, string? detail)
        : base($"bpf({UapiNames.Command(command)})", errno, BpfErrorHints.For(command, errno), Join(subject, detail))
    {
        Command = command;
        Subject = subject;
    }

    /// <summary>The bpf(2) command.</summary>
    public BpfCommand Command { get; }

    /// <summary>What was being created or accessed, e.g. <c>map "events"</c>, if known.</summary>
    public string? Subject { get; }

    private static string? Join(string? subject, string? detail) =>
        subject is null ? detail : "for " + subject + detail;
}

internal static class BpfErrorHints
{
    public static IReadOnlyList<string> For(BpfCommand command, int errno)
    {
        if (errno == Errno.E2BIG && command == BpfCommand.ProgLoad)
        {
            return ["the program exceeds a verifier limit (1M processed instructions, or 4096 insns for unprivileged loads)"];
        }

        if (errno != Errno.EPERM)
        {
            return [];
        }

        if (command is BpfCommand.MapUpdateElem or BpfCommand.MapDeleteElem)
        {
            return ["the map is frozen (BPF_MAP_FREEZE) or read-only for user space (BPF_F_RDONLY)"];
        }

        var hints = new List<string> { "run as root, or grant CAP_BPF + CAP_PERFMON (CAP_SYS_ADMIN on kernels before 5.8)" };
        if (command is BpfCommand.MapCreate or BpfCommand.ProgLoad or BpfCommand.BtfLoad
            && (!KernelFeatures.TryGetMemcgAccounting(out var memcg) || !memcg))
        {
            hints.Add("kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK: raise it (ulimit -l unlimited, or MemlockLimit.RaiseIfNeeded())");
        }

        return hints;
    }
}
