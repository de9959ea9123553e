using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>A system call the loader made failed: names the call, errno and its text, and a hint when there is one.</summary>
public class LinuxSyscallException : RawBpfException
{
    private readonly string? _hint;

    public LinuxSyscallException(string call, int errno, string? hint = null)
        : this(Describe(call, errno, subject: null), call, errno)
    {
        _hint = hint;
    }

    private protected LinuxSyscallException(string problem, string call, int errno) : base(problem)
    {
        Call = call;
        Errno = errno;
    }

    /// <summary>The failing call, e.g. <c>bpf(BPF_MAP_CREATE)</c> or <c>perf_event_open</c>.</summary>
    public string Call { get; }

    /// <summary>The errno value (<see cref="Uapi.Errno"/> names them).</summary>
    public int Errno { get; }

    /// <summary>The symbolic errno, e.g. <c>EPERM</c>.</summary>
    public string ErrnoName => Uapi.Errno.Name(Errno);

    protected override IReadOnlyList<string> FindHints() => _hint is null ? [] : [_hint];

    /// <summary>"CALL failed: EPERM (Operation not permitted) for SUBJECT".</summary>
    private protected static string Describe(string call, int errno, string? subject) =>
        $"{call} failed: {Uapi.Errno.Name(errno)} ({Uapi.Errno.Describe(errno)}){(subject is null ? "" : " for " + subject)}";
}

/// <summary>A bpf(2) command failed.</summary>
public class BpfSyscallException : LinuxSyscallException
{
    public BpfSyscallException(BpfCommand command, int errno, string? subject = null)
        : base(Describe($"bpf({UapiNames.Command(command)})", errno, subject), $"bpf({UapiNames.Command(command)})", errno)
    {
        Command = command;
        Subject = subject;
    }

    /// <summary>The bpf(2) command.</summary>
    public BpfCommand Command { get; }

    /// <summary>What was being created or accessed, e.g. <c>map "events"</c>, if known.</summary>
    public string? Subject { get; }

    /// <summary>What this process lacks for the command (capabilities, memlock), probing the kernel if need be.</summary>
    protected override IReadOnlyList<string> FindHints() => BpfErrorHints.For(Command, Errno);
}

/// <summary>BPF_OBJ_PIN failed: names the path, and why pinning there failed when the file system tells.</summary>
public sealed class BpfPinException : BpfSyscallException
{
    private readonly IReadOnlyList<string> _hints;

    /// <summary><paramref name="hints"/> are found where the pin failed: a failed transaction then removes the directories they describe.</summary>
    internal BpfPinException(string path, int errno, IReadOnlyList<string> hints)
        : base(BpfCommand.ObjPin, errno, $"\"{path}\"")
    {
        Path = path;
        _hints = hints;
    }

    /// <summary>Where the object was to be pinned.</summary>
    public string Path { get; }

    protected override IReadOnlyList<string> FindHints() => _hints;
}
