using System.Net.Sockets;
using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// A socket filter on one socket: setsockopt(SOL_SOCKET, SO_ATTACH_BPF, program fd) (3.19); the program's return
/// value is how many bytes of each packet the socket keeps (0 drops it). Disposing sets SO_DETACH_BPF.
/// </summary>
public sealed class SocketFilterLink : BpfLink
{
    private readonly SafeHandle _socket;
    private int _detached;

    private SocketFilterLink(SafeHandle socket, string target)
        : base(BpfAttachMethod.SocketOption, null, target) => _socket = socket;

    /// <summary>Attaches to <paramref name="socket"/>, whose handle is kept open until the returned link is disposed.</summary>
    public static SocketFilterLink Attach(BpfProgram program, Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return Attach(program, socket.SafeHandle);
    }

    /// <summary>Attaches to the socket <paramref name="socket"/> owns, kept open until the returned link is disposed.</summary>
    public static unsafe SocketFilterLink Attach(BpfProgram program, SafeHandle socket)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(socket);
        NetworkLinkCreate.RequireType(program, "a socket filter", BpfProgramType.SocketFilter);
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var socketFd = (int)socket.DangerousGetHandle();
            var target = $"socket fd {socketFd}";
            using var lease = program.Fd.Lease();
            var programFd = (int)lease.Fd;
            var result = Libc.setsockopt(socketFd, Libc.SOL_SOCKET, Libc.SO_ATTACH_BPF, &programFd, sizeof(int));
            var errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            Trace(socketFd, "SO_ATTACH_BPF", programFd, result, errno);
            if (result < 0)
            {
                var hint = errno switch
                {
                    Errno.ENOTSOCK => "the descriptor is not a socket",
                    Errno.EINVAL => "the kernel refused the program as a socket filter",
                    Errno.EPERM => "a locked filter (SO_LOCK_FILTER) is on this socket",
                    _ => null,
                };
                throw NetworkLinkCreate.Failure(new LinuxSyscallException("setsockopt(SO_ATTACH_BPF)", errno, hint), program, target);
            }

            return new SocketFilterLink(socket, target);
        }
        catch
        {
            socket.DangerousRelease();
            throw;
        }
    }

    private static void Trace(int socketFd, string option, int value, int result, int errno)
    {
        if (SyscallTrace.IsEnabled)
        {
            SyscallTrace.Emit("setsockopt", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{socketFd}, SOL_SOCKET, {option}, [{value}], 4"), result, errno);
        }
    }

    /// <summary>SO_DETACH_BPF (unless disconnected: the filter then stays as long as the socket), then lets the socket close; once.</summary>
    protected override unsafe void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing || Interlocked.Exchange(ref _detached, 1) != 0)
        {
            return;
        }

        try
        {
            if (IsDisconnected)
            {
                return;
            }

            var socketFd = (int)_socket.DangerousGetHandle();
            var unused = 0;
            var result = Libc.setsockopt(socketFd, Libc.SOL_SOCKET, Libc.SO_DETACH_BPF, &unused, sizeof(int));
            var errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            Trace(socketFd, "SO_DETACH_BPF", 0, result, errno);

            // ENOENT: no filter any more (someone detached or replaced it); nothing left to undo.
            if (result < 0 && errno != Errno.ENOENT)
            {
                throw new LinuxSyscallException("setsockopt(SO_DETACH_BPF)", errno);
            }
        }
        finally
        {
            _socket.DangerousRelease();
        }
    }
}
