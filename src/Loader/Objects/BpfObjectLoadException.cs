namespace RawBpf.Loader.Objects;

/// <summary>
/// Loading an object failed for a reason the object or the kernel's types explain: a program the verifier
/// rejected because a CO-RE relocation found no match (named with its spec and source line), a missing
/// kernel BTF, an unsupported feature. The inner exception, when any, is the failed system call.
/// </summary>
public sealed class BpfObjectLoadException : Exception
{
    public BpfObjectLoadException(string message) : base(message)
    {
    }

    public BpfObjectLoadException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The verifier log's last lines, when a program load failed.</summary>
    public string? VerifierLogTail { get; init; }
}
