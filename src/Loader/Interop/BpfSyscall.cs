using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// bpf(2): <c>syscall(__NR_bpf, cmd, &amp;attr, sizeof(attr))</c> with one attr struct per command, traced through
/// <see cref="SyscallTrace"/>. The size passed is the struct's own size (see <see cref="IBpfAttr"/>).
/// </summary>
internal static unsafe class BpfSyscall
{
    /// <summary>Issues the command; returns the kernel's result (fd, 0, or -1 with <paramref name="errno"/> set).</summary>
    public static int Invoke<TAttr>(BpfCommand command, ref TAttr attr, out int errno)
        where TAttr : unmanaged, IBpfAttr
    {
        long result;
        fixed (TAttr* pointer = &attr)
        {
            result = Libc.syscall(ArchitectureAbi.Current.BpfSyscall, (long)command, pointer, sizeof(TAttr));
        }

        // errno is read before anything else can run (the observer may itself make P/Invoke calls).
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (SyscallTrace.IsEnabled)
        {
            var text = new StringBuilder(UapiNames.Command(command)).Append(", ");
            var fieldsStart = text.Length;
            attr.Describe(text);
            if (text.Length == fieldsStart)
            {
                text.Length -= 2;
            }

            SyscallTrace.Emit("bpf", text.ToString(), result < 0 ? -1 : result, errno);
        }

        return (int)result;
    }

    /// <summary>Issues a command that returns 0 on success; throws <see cref="BpfSyscallException"/> otherwise.</summary>
    public static void InvokeOrThrow<TAttr>(BpfCommand command, ref TAttr attr, string? subject = null)
        where TAttr : unmanaged, IBpfAttr
    {
        if (Invoke(command, ref attr, out var errno) < 0)
        {
            throw new BpfSyscallException(command, errno, subject);
        }
    }

    /// <summary>Issues a command that returns a new fd; wraps it in its owner or throws.</summary>
    public static BpfFileDescriptor InvokeForFd<TAttr>(BpfCommand command, ref TAttr attr, string? subject = null)
        where TAttr : unmanaged, IBpfAttr
    {
        var fd = Invoke(command, ref attr, out var errno);
        if (fd < 0)
        {
            throw new BpfSyscallException(command, errno, subject);
        }

        return OwnFd(fd);
    }

    /// <summary>
    /// Takes ownership of a new BPF fd, moving it to 3 or above first as libbpf does: several bpf_attr fields use
    /// 0 for "no fd" (prog_btf_fd, btf_fd, inner_map_fd), so a BPF object must never live at fd 0, 1 or 2 (which
    /// it would when a daemon runs with stdio closed).
    /// </summary>
    public static BpfFileDescriptor OwnFd(int fd)
    {
        if (fd < 3)
        {
            var moved = Libc.fcntl(fd, Libc.F_DUPFD_CLOEXEC, 3);
            var errno = moved < 0 ? Marshal.GetLastPInvokeError() : 0;
            Libc.close(fd);
            if (moved < 0)
            {
                throw new LinuxSyscallException("fcntl(F_DUPFD_CLOEXEC)", errno);
            }

            fd = moved;
        }

        return new BpfFileDescriptor(fd);
    }
}
