using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

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
    public string ErrnoName => Uapi.Errno.Name(Errno);

    /// <summary>What the user can do about it, if we know.</summary>
    public IReadOnlyList<string> Hints { get; }

    private static string Compose(string call, int errno, IReadOnlyList<string> hints, string? detail)
    {
        var message = $"{call} failed: {Uapi.Errno.Name(errno)} ({Uapi.Errno.Describe(errno)})";
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
        : this(command, errno, subject, null, BpfErrorHints.For(command, errno))
    {
    }

    private protected BpfSyscallException(BpfCommand command, int errno, string? subject, string? detail, IReadOnlyList<string> hints)
        : base($"bpf({UapiNames.Command(command)})", errno, hints, Join(subject, detail))
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

/// <summary>BPF_OBJ_PIN failed: names the path, and why pinning there failed when the file system tells.</summary>
public sealed class BpfPinException : BpfSyscallException
{
    internal BpfPinException(string path, int errno)
        : base(BpfCommand.ObjPin, errno, $"\"{path}\"", null, BpfErrorHints.ForPin(errno, path))
    {
        Path = path;
    }

    /// <summary>Where the object was to be pinned.</summary>
    public string Path { get; }
}
