using System.Runtime.InteropServices;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// The bpf(2) call itself, the one seam between the loader's logic and the kernel: tests put a fake in its
/// place (<see cref="BpfSyscall.Substitute"/>) to check attr building, the log retry and errno mapping without
/// a kernel or root.
/// </summary>
internal unsafe interface IBpfSyscall
{
    /// <summary><c>syscall(__NR_bpf, command, attr, size)</c>: an fd, 0, or -1 with <paramref name="errno"/> set.</summary>
    long Invoke(BpfCommand command, void* attr, int size, out int errno);
}

/// <summary>The real bpf(2), the default <see cref="IBpfSyscall"/>.</summary>
internal sealed unsafe class KernelBpfSyscall : IBpfSyscall
{
    public static readonly KernelBpfSyscall Instance = new();

    public long Invoke(BpfCommand command, void* attr, int size, out int errno)
    {
        var result = Libc.syscall(ArchitectureAbi.Current.BpfSyscall, (long)command, attr, size);
        // errno is read before anything else can run (a trace observer may itself make P/Invoke calls).
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }
}
