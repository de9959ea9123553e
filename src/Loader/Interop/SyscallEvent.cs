using System.Globalization;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// One call into the kernel, as <see cref="SyscallTrace"/> reports it: the call (<c>bpf</c>,
/// <c>perf_event_open</c>, <c>ioctl</c>, <c>mmap</c>, <c>mount</c>, <c>close</c>...), its arguments already
/// rendered with uapi names, and its outcome.
/// </summary>
public sealed class SyscallEvent
{
    internal SyscallEvent(string call, string arguments, long result, int errno)
    {
        Call = call;
        Arguments = arguments;
        Result = result;
        Errno = errno;
    }

    /// <summary>The system call or libc function, e.g. <c>bpf</c>.</summary>
    public string Call { get; }

    /// <summary>Arguments with uapi names, e.g. <c>BPF_MAP_CREATE, map_type=RINGBUF key_size=0 ...</c>.</summary>
    public string Arguments { get; }

    /// <summary>The return value: an fd, 0, or -1 on failure.</summary>
    public long Result { get; }

    /// <summary>errno when <see cref="Result"/> is -1, else 0.</summary>
    public int Errno { get; }

    public bool Failed => Errno != 0;

    /// <summary>The strace-like one-line narration, e.g.
    /// <c>bpf(BPF_MAP_CREATE, map_type=RINGBUF key_size=0 value_size=0 max_entries=262144 name=events) = 5</c>.</summary>
    public override string ToString()
    {
        var result = Failed
            ? $"-1 {Uapi.Errno.Name(Errno)} ({Uapi.Errno.Describe(Errno)})"
            : Call == "mmap" ? "0x" + Result.ToString("x", CultureInfo.InvariantCulture) : Result.ToString(CultureInfo.InvariantCulture);
        return $"{Call}({Arguments}) = {result}";
    }
}
