using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Readers;

/// <summary>
/// An epoll set plus an eventfd registered in it, so a blocked wait can be woken from another thread (on
/// cancellation or <see cref="Wake"/>). Shared by the ring buffer and perf buffer readers.
/// </summary>
internal sealed unsafe class EventWaiter : IDisposable
{
    /// <summary>epoll_event.data of the wake-up eventfd.</summary>
    private const ulong WakeMarker = ulong.MaxValue;

    private readonly EpollFileDescriptor _epoll;
    private readonly EventFileDescriptor _wake;
    private readonly ArchitectureAbi _abi = ArchitectureAbi.Current;
    private readonly int _capacity;
    private readonly byte[] _events;

    public EventWaiter(int capacity)
    {
        _epoll = KernelCalls.EpollCreate();
        _wake = KernelCalls.EventFd();
        KernelCalls.EpollAdd(_epoll, _wake, WakeMarker);
        _capacity = capacity + 1;
        _events = new byte[_capacity * _abi.EpollEventSize];
    }

    public void Add(FileDescriptorHandle fd, ulong data) => KernelCalls.EpollAdd(_epoll, fd, data);

    /// <summary>Makes a current or the next <see cref="Wait"/> return.</summary>
    public void Wake()
    {
        ulong one = 1;
        using var lease = _wake.Lease();
        Libc.write((int)lease.Fd, &one, sizeof(ulong));
    }

    /// <summary>
    /// Blocks until a registered fd is readable, the timeout passes (-1: forever) or the token is cancelled
    /// (then throws). Returns the number of ready data sources (the wake-up eventfd is not counted).
    /// </summary>
    public int Wait(int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CancellationTokenRegistration registration = default;
        if (cancellationToken.CanBeCanceled)
        {
            registration = cancellationToken.UnsafeRegister(static state => ((EventWaiter)state!).Wake(), this);
        }

        try
        {
            int count;
            using (var lease = _epoll.Lease())
            {
                fixed (byte* events = _events)
                {
                    count = Libc.epoll_wait((int)lease.Fd, events, _capacity, timeoutMilliseconds);
                }
            }

            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == Errno.EINTR ? 0 : throw new LinuxSyscallException("epoll_wait", errno);
            }

            var ready = 0;
            for (var i = 0; i < count; i++)
            {
                if (EpollEvents.Data(_abi, _events, i) == WakeMarker)
                {
                    ulong value;
                    using var lease = _wake.Lease();
                    Libc.read((int)lease.Fd, &value, sizeof(ulong)); // reset the counter (non-blocking)
                }
                else
                {
                    ready++;
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            return ready;
        }
        finally
        {
            registration.Dispose();
        }
    }

    public void Dispose()
    {
        _wake.Dispose();
        _epoll.Dispose();
    }
}
