using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;

namespace RawBpf.Loader.Interop;

/// <summary>
/// Owns one Linux file descriptor and closes it exactly once. Only -1 is invalid: fd 0 is a perfectly good
/// descriptor when stdin was closed, so <see cref="Microsoft.Win32.SafeHandles.SafeHandleZeroOrMinusOneIsInvalid"/>
/// would leak it.
/// </summary>
public abstract class FileDescriptorHandle : SafeHandle
{
    private protected FileDescriptorHandle(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == new IntPtr(-1);

    /// <summary>The raw descriptor number, for diagnostics and for ABI structs while a lease is held.</summary>
    public int RawFd => (int)handle;

    /// <summary>Keeps the descriptor open while its number sits in a struct handed to the kernel.</summary>
    internal FdLease Lease() => new(this);

    protected override bool ReleaseHandle()
    {
        var fd = (int)handle;
        var result = Libc.close(fd);
        if (SyscallTrace.IsEnabled)
        {
            SyscallTrace.Emit("close", fd.ToString(System.Globalization.CultureInfo.InvariantCulture), result,
                result < 0 ? Marshal.GetLastPInvokeError() : 0);
        }

        return result == 0;
    }
}

/// <summary>A descriptor of a BPF object (map, program, BTF, link): what bpf(2) returns.</summary>
public sealed class BpfFileDescriptor : FileDescriptorHandle
{
    internal BpfFileDescriptor(int fd)
        : base(fd)
    {
    }
}

/// <summary>A descriptor from perf_event_open(2).</summary>
public sealed class PerfEventFileDescriptor : FileDescriptorHandle
{
    internal PerfEventFileDescriptor(int fd)
        : base(fd)
    {
    }
}

/// <summary>A descriptor from epoll_create1(2).</summary>
public sealed class EpollFileDescriptor : FileDescriptorHandle
{
    internal EpollFileDescriptor(int fd)
        : base(fd)
    {
    }
}

/// <summary>A descriptor from eventfd(2).</summary>
public sealed class EventFileDescriptor : FileDescriptorHandle
{
    internal EventFileDescriptor(int fd)
        : base(fd)
    {
    }
}

/// <summary>
/// A reference held on a <see cref="SafeHandle"/> for the duration of a syscall, so a concurrent Dispose cannot
/// close (and the kernel reuse) the number while it is inside an attr struct.
/// </summary>
internal ref struct FdLease
{
    private readonly SafeHandle? _handle;
    private bool _added;

    public FdLease(SafeHandle? handle)
    {
        _handle = handle;
        _added = false;
        if (handle is not null)
        {
            handle.DangerousAddRef(ref _added);
        }
    }

    /// <summary>The descriptor number, or 0 ("none" in every bpf_attr field that takes an optional fd).</summary>
    public readonly uint Fd => _handle is null ? 0u : (uint)(int)_handle.DangerousGetHandle();

    public void Dispose()
    {
        if (_added)
        {
            _handle!.DangerousRelease();
            _added = false;
        }
    }
}
