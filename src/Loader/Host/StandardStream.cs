using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Host;

/// <summary>
/// Standard output or error written with write(2), as every Unix tool writes them: at the offset the descriptor
/// shares with the shell and the other commands writing to it, and at the end under O_APPEND. (A FileStream over
/// fd 1 keeps an offset of its own and pwrites there, over what others wrote; Console's stream hides EPIPE.)
/// </summary>
public sealed unsafe class StandardStream : Stream
{
    private readonly int _descriptor;
    private readonly string _name;
    private readonly bool _discardFailures;

    private StandardStream(int descriptor, string name, bool discardFailures)
    {
        _descriptor = descriptor;
        _name = name;
        _discardFailures = discardFailures;
    }

    /// <summary>fd 1. A reader that left (EPIPE), a closed descriptor (EBADF) or a hung-up terminal (EIO) throw
    /// <see cref="StandardStreamClosedException"/>; any other failure a <see cref="LinuxSyscallException"/>.</summary>
    public static StandardStream Output { get; } = new(1, "standard output", discardFailures: false);

    /// <summary>fd 2. Never throws: a failure to write an error message has nowhere left to be reported.</summary>
    public static StandardStream Error { get; } = new(2, "standard error", discardFailures: true);

    /// <summary>
    /// Puts /dev/null on whichever of fds 0, 1 and 2 the process started without (`&gt;&amp;-`), before anything else
    /// opens a file: otherwise the next open lands there, and output meant for the terminal goes into a BPF map's
    /// descriptor or a file. fd 1 is reserved read-only, so a write fails with EBADF just as on the closed
    /// descriptor; fd 2 write-only, so messages vanish instead of failing.
    /// </summary>
    public static void ReserveClosedDescriptors()
    {
        ReadOnlySpan<int> modes = [Libc.O_RDONLY, Libc.O_RDONLY, Libc.O_WRONLY];
        for (var descriptor = 0; descriptor < modes.Length; descriptor++)
        {
            // open returns the lowest free descriptor: this one, as the lower ones are open by now.
            if (Libc.fcntl(descriptor, Libc.F_GETFD, 0) < 0 && Libc.open("/dev/null", modes[descriptor]) < 0)
                return; // no /dev/null (a bare chroot): nothing better to do
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                var result = Libc.write(_descriptor, start + written, (nuint)(buffer.Length - written));
                if (result >= 0)
                {
                    written += (int)result;
                    continue;
                }
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                    continue;
                if (_discardFailures)
                    return;
                if (errno is Errno.EPIPE or Errno.EBADF || (errno == Errno.EIO && IsCharacterDevice()))
                    throw new StandardStreamClosedException(_name, errno);
                throw new LinuxSyscallException($"write({_name})", errno);
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>EIO from a terminal means it hung up; from a disk it is a real error, reported as such.</summary>
    private bool IsCharacterDevice() =>
        Libc.statx(_descriptor, "", Libc.AT_EMPTY_PATH, Libc.StatxTypeModeAndIno, out var status) == 0
        && (status.stx_mode & Libc.StatFileTypeMask) == Libc.StatCharacterDevice;
}

/// <summary>
/// Standard output is gone: its reader left (`| head`), it was closed (`&gt;&amp;-`) or its terminal hung up. For a
/// tool that only writes, an ordinary end.
/// </summary>
public sealed class StandardStreamClosedException(string stream, int errno)
    : IOException($"{stream} is closed: {Uapi.Errno.Name(errno)} ({Uapi.Errno.Describe(errno)})")
{
    public int Errno { get; } = errno;
}
