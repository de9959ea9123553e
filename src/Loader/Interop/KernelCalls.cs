using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>The non-bpf(2) calls the loader makes, each traced through <see cref="SyscallTrace"/> and turned into
/// <see cref="LinuxSyscallException"/> on failure.</summary>
internal static unsafe class KernelCalls
{
    /// <summary>perf_event_open(2) through syscall(2): glibc has no wrapper.</summary>
    public static PerfEventFileDescriptor PerfEventOpen(ref PerfEventAttr attr, int pid, int cpu, int groupFd, ulong flags)
    {
        long result;
        fixed (PerfEventAttr* pointer = &attr)
        {
            result = Libc.syscall(ArchitectureAbi.Current.PerfEventOpenSyscall, pointer, pid, cpu, groupFd, (long)flags);
        }

        var errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (SyscallTrace.IsEnabled)
        {
            var text = new StringBuilder();
            attr.Describe(text);
            text.Append(CultureInfo.InvariantCulture, $", pid={pid}, cpu={cpu}, group_fd={groupFd}, flags=");
            text.Append(flags == PerfEventAttr.PERF_FLAG_FD_CLOEXEC ? "PERF_FLAG_FD_CLOEXEC" : flags.ToString(CultureInfo.InvariantCulture));
            SyscallTrace.Emit("perf_event_open", text.ToString(), result < 0 ? -1 : result, errno);
        }

        if (result < 0)
        {
            throw new LinuxSyscallException("perf_event_open", errno, PerfEventHint(errno));
        }

        return new PerfEventFileDescriptor((int)result);
    }

    private static string? PerfEventHint(int errno) => errno switch
    {
        Errno.EACCES or Errno.EPERM => "perf_event_open needs root or CAP_PERFMON (check /proc/sys/kernel/perf_event_paranoid)",
        Errno.ENOENT => "the tracepoint or event does not exist on this kernel",
        Errno.ENODEV => "that CPU is offline",
        _ => null,
    };

    /// <summary>ioctl(2) with an integer argument; <paramref name="requestName"/> is the uapi macro name for narration.</summary>
    public static void Ioctl(FileDescriptorHandle fd, ulong request, string requestName, long argument)
    {
        var lease = fd.Lease();
        try
        {
            var result = Libc.ioctl((int)lease.Fd, request, argument);
            var errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (SyscallTrace.IsEnabled)
            {
                SyscallTrace.Emit("ioctl", string.Create(CultureInfo.InvariantCulture, $"{lease.Fd}, {requestName}, {argument}"), result, errno);
            }

            if (result < 0)
            {
                throw new LinuxSyscallException("ioctl(" + requestName + ")", errno);
            }
        }
        finally
        {
            lease.Dispose();
        }
    }

    /// <summary>mmap(2) of a whole descriptor range; <paramref name="flags"/> MAP_SHARED or MAP_PRIVATE.</summary>
    public static byte* Map(SafeHandle fd, nuint length, int protection, int flags, long offset)
    {
        var lease = new FdLease(fd);
        try
        {
            var address = Libc.mmap(null, length, protection, flags, (int)lease.Fd, offset);
            var failed = (nint)address == Libc.MapFailed;
            var errno = failed ? Marshal.GetLastPInvokeError() : 0;
            if (SyscallTrace.IsEnabled)
            {
                var prot = protection == (Libc.PROT_READ | Libc.PROT_WRITE) ? "PROT_READ|PROT_WRITE" : protection == Libc.PROT_READ ? "PROT_READ" : protection.ToString(CultureInfo.InvariantCulture);
                var sharing = flags == Libc.MAP_SHARED ? "MAP_SHARED" : flags == Libc.MAP_PRIVATE ? "MAP_PRIVATE" : flags.ToString(CultureInfo.InvariantCulture);
                SyscallTrace.Emit("mmap", string.Create(CultureInfo.InvariantCulture, $"NULL, {length}, {prot}, {sharing}, {lease.Fd}, {offset}"), failed ? -1 : (long)address, errno);
            }

            if (failed)
            {
                throw new LinuxSyscallException("mmap", errno);
            }

            return (byte*)address;
        }
        finally
        {
            lease.Dispose();
        }
    }

    public static void Unmap(byte* address, nuint length)
    {
        var result = Libc.munmap(address, length);
        if (SyscallTrace.IsEnabled)
        {
            SyscallTrace.Emit("munmap", string.Create(CultureInfo.InvariantCulture, $"0x{(ulong)address:x}, {length}"), result, result < 0 ? Marshal.GetLastPInvokeError() : 0);
        }
    }

    /// <summary>mount(2) of a pseudo file system that takes no source device and no options.</summary>
    public static void Mount(string source, string target, string fileSystemType)
    {
        var result = Libc.mount(source, target, fileSystemType, 0, 0);
        var errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (SyscallTrace.IsEnabled)
        {
            SyscallTrace.Emit("mount", $"\"{source}\", \"{target}\", \"{fileSystemType}\", 0, NULL", result, errno);
        }

        if (result < 0)
        {
            throw new LinuxSyscallException("mount(" + fileSystemType + " on " + target + ")", errno);
        }
    }

    public static EpollFileDescriptor EpollCreate()
    {
        var fd = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (fd < 0)
        {
            throw new LinuxSyscallException("epoll_create1", Marshal.GetLastPInvokeError());
        }

        return new EpollFileDescriptor(fd);
    }

    public static void EpollAdd(EpollFileDescriptor epoll, FileDescriptorHandle fd, ulong data)
    {
        var epollLease = epoll.Lease();
        var fdLease = fd.Lease();
        try
        {
            var abi = ArchitectureAbi.Current;
            var epollEvent = stackalloc byte[abi.EpollEventSize];
            EpollEvents.Write(abi, new Span<byte>(epollEvent, abi.EpollEventSize), Libc.EPOLLIN, data);
            if (Libc.epoll_ctl((int)epollLease.Fd, Libc.EPOLL_CTL_ADD, (int)fdLease.Fd, epollEvent) < 0)
            {
                throw new LinuxSyscallException("epoll_ctl(EPOLL_CTL_ADD)", Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            fdLease.Dispose();
            epollLease.Dispose();
        }
    }

    public static EventFileDescriptor EventFd()
    {
        var fd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (fd < 0)
        {
            throw new LinuxSyscallException("eventfd", Marshal.GetLastPInvokeError());
        }

        return new EventFileDescriptor(fd);
    }
}
