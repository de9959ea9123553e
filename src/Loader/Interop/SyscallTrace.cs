namespace RawBpf.Loader.Interop;

/// <summary>
/// The single observation point for the calls by which the loader creates, changes or releases kernel state:
/// bpf(2), perf_event_open(2), ioctl(2), mmap(2)/munmap(2), mount(2), mkdir(2) in bpffs, setrlimit(2), and close(2)
/// of every descriptor it owns. Not traced: the readers' waiting and waking (epoll_create1/epoll_ctl/epoll_wait,
/// eventfd and its read/write: once per poll, they would drown the narration), the tools' output write(2), and
/// calls that only inspect (open/statx of input files, stat/statfs/fstat, fcntl(F_GETFD), getrlimit, rmdir of an
/// empty directory a failed pin made). With no <see cref="Observer"/> the only cost is one null check per call:
/// arguments are rendered only when someone listens.
/// </summary>
public static class SyscallTrace
{
    private static Action<SyscallEvent>? _observer;

    /// <summary>Receives one <see cref="SyscallEvent"/> per call, on the calling thread (close may come from the finalizer).</summary>
    public static Action<SyscallEvent>? Observer
    {
        get => Volatile.Read(ref _observer);
        set => Volatile.Write(ref _observer, value);
    }

    /// <summary>Adds an observer (combined with any existing one); dispose the result to remove it again.</summary>
    public static IDisposable Subscribe(Action<SyscallEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Action<SyscallEvent>? current, combined;
        do
        {
            current = Volatile.Read(ref _observer);
            combined = (Action<SyscallEvent>)Delegate.Combine(current, observer);
        }
        while (Interlocked.CompareExchange(ref _observer, combined, current) != current);

        return new Subscription(observer);
    }

    internal static bool IsEnabled => Volatile.Read(ref _observer) is not null;

    internal static void Emit(string call, string arguments, long result, int errno) =>
        Volatile.Read(ref _observer)?.Invoke(new SyscallEvent(call, arguments, result, errno));

    private sealed class Subscription(Action<SyscallEvent> observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            Action<SyscallEvent>? current, remaining;
            do
            {
                current = Volatile.Read(ref _observer);
                remaining = (Action<SyscallEvent>?)Delegate.Remove(current, observer);
            }
            while (Interlocked.CompareExchange(ref _observer, remaining, current) != current);
        }
    }
}
