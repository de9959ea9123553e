using RawBpf.Loader.Interop;

namespace RawBpf.Loader.Links;

/// <summary>
/// Attaching a program failed: names the call (a bpf(2) command, an rtnetlink request, a socket option), the
/// program and its target, and what to do — including, when the kernel lacks the attach kind altogether (found by
/// a probe), which kernel release brought it.
/// </summary>
public sealed class BpfAttachException : LinuxSyscallException
{
    internal BpfAttachException(string call, int errno, string subject, IReadOnlyList<string> hints, string? requiredKernel = null)
        : base(call, errno, hints, "for " + subject)
    {
        Subject = subject;
        RequiredKernel = requiredKernel;
    }

    /// <summary>The program and what it was to be attached to.</summary>
    public string Subject { get; }

    /// <summary>The Linux release that brought the attach kind, when this kernel was found (by a probe) to lack it.</summary>
    public string? RequiredKernel { get; }
}
