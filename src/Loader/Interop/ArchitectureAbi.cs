using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

/// <summary>
/// The kernel and C library ABI values that differ between the architectures RawBpf runs on: raw syscall
/// numbers (glibc wraps neither bpf(2) nor perf_event_open(2)), <c>struct epoll_event</c> (packed on x86-64
/// only) and <c>O_DIRECTORY</c> (arm64 keeps the older ARM value). Everything else the loader passes is the same
/// on both: the bpf_attr and perf_event_attr unions, the ioctl numbers (both use asm-generic/ioctl.h's _IO
/// encoding), errno and signal numbers (asm-generic), and file status, read with statx, which has one layout.
/// tests/Loader.Tests/LayoutTests compiles every value here from the C headers of each architecture.
/// </summary>
internal sealed class ArchitectureAbi
{
    /// <summary>arch/x86/entry/syscalls/syscall_64.tbl; glibc's x86_64 bits/epoll.h (__EPOLL_PACKED).</summary>
    public static readonly ArchitectureAbi X64 = new(Architecture.X64,
        bpfSyscall: 321, perfEventOpenSyscall: 298, epollEventSize: 12, epollEventDataOffset: 4, openDirectory: 0x10000);

    /// <summary>include/uapi/asm-generic/unistd.h; arch/arm64/include/uapi/asm/fcntl.h (O_DIRECTORY 040000).</summary>
    public static readonly ArchitectureAbi Arm64 = new(Architecture.Arm64,
        bpfSyscall: 280, perfEventOpenSyscall: 241, epollEventSize: 16, epollEventDataOffset: 8, openDirectory: 0x4000);

    private static ArchitectureAbi? _current;

    private ArchitectureAbi(Architecture architecture, long bpfSyscall, long perfEventOpenSyscall,
        int epollEventSize, int epollEventDataOffset, int openDirectory)
    {
        Architecture = architecture;
        BpfSyscall = bpfSyscall;
        PerfEventOpenSyscall = perfEventOpenSyscall;
        EpollEventSize = epollEventSize;
        EpollEventDataOffset = epollEventDataOffset;
        OpenDirectory = openDirectory;
    }

    /// <summary>
    /// The table of the running process, chosen once. Every call whose arguments differ per architecture asks for
    /// it first, so an architecture without a table fails with <see cref="PlatformNotSupportedException"/> before
    /// any such call reaches the kernel.
    /// </summary>
    public static ArchitectureAbi Current => _current ??= For(RuntimeInformation.ProcessArchitecture);

    public Architecture Architecture { get; }

    /// <summary>__NR_bpf.</summary>
    public long BpfSyscall { get; }

    /// <summary>__NR_perf_event_open.</summary>
    public long PerfEventOpenSyscall { get; }

    /// <summary>sizeof(struct epoll_event): the stride of epoll_wait's array.</summary>
    public int EpollEventSize { get; }

    /// <summary>offsetof(struct epoll_event, data); <c>events</c> is at 0 everywhere.</summary>
    public int EpollEventDataOffset { get; }

    /// <summary>O_DIRECTORY.</summary>
    public int OpenDirectory { get; }

    /// <summary>The table for <paramref name="architecture"/>; throws for one RawBpf has no table for.</summary>
    public static ArchitectureAbi For(Architecture architecture) => architecture switch
    {
        Architecture.X64 => X64,
        Architecture.Arm64 => Arm64,
        _ => throw new PlatformNotSupportedException(
            $"RawBpf knows the kernel ABI (syscall numbers, struct layouts) of x64 and arm64 only, not of {architecture}"),
    };
}
