namespace RawBpf.Loader.Links;

/// <summary>
/// A program could not be attached for a reason named in the message: the target does not exist (an unknown
/// kernel function, a binary without the symbol), the section name says nothing attachable, or the kernel
/// lacks the attach kind (<see cref="BpfLinkNotSupportedException"/>). The inner exception, if any, is the failed call.
/// </summary>
public class BpfAttachException : Exception
{
    public BpfAttachException(string message)
        : base(message)
    {
    }

    public BpfAttachException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>The running kernel lacks an attach kind: <see cref="Kind"/> needs <see cref="RequiredKernel"/> (found by a feature probe, not the version string).</summary>
public sealed class BpfLinkNotSupportedException : BpfAttachException
{
    public BpfLinkNotSupportedException(string kind, string requiredKernel, string? detail = null, Exception? inner = null)
        : base($"this kernel does not support {kind}: it needs Linux {requiredKernel}{(detail is null ? string.Empty : " " + detail)}", inner)
    {
        Kind = kind;
        RequiredKernel = requiredKernel;
    }

    /// <summary>What is missing, e.g. <c>kprobe.multi links (BPF_TRACE_KPROBE_MULTI)</c>.</summary>
    public string Kind { get; }

    /// <summary>The first kernel release that has it, e.g. <c>5.18</c>.</summary>
    public string RequiredKernel { get; }
}
