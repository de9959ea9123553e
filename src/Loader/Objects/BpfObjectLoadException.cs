using RawBpf.BtfCore.Core;

namespace RawBpf.Loader.Objects;

/// <summary>
/// Loading an object failed for a reason the object or the kernel's types explain: a program the verifier
/// rejected because a CO-RE relocation found no match (named with its spec and source line), a missing
/// kernel BTF, an unsupported feature. The inner exception, when any, is the failed system call.
/// </summary>
public sealed class BpfObjectLoadException : RawBpfException
{
    private readonly Func<IReadOnlyList<string>>? _findHints;

    public BpfObjectLoadException(string message) : base(message)
    {
    }

    public BpfObjectLoadException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>A failure whose hints, found when asked for, come from <paramref name="findHints"/>.</summary>
    internal BpfObjectLoadException(string message, Exception inner, Func<IReadOnlyList<string>> findHints) : base(message, inner)
    {
        _findHints = findHints;
    }

    /// <summary>The whole verifier log, when a program load failed; empty otherwise.</summary>
    public string VerifierLog { get; init; } = string.Empty;

    /// <summary>The verifier log's last lines, when a program load failed; empty otherwise.</summary>
    public override string LogTail => VerifierLogTail;

    /// <summary>The CO-RE relocation the verifier's rejection is traced to (a poisoned instruction), when it is.</summary>
    public CoreRelocationResult? Relocation { get; init; }

    internal string VerifierLogTail { get; init; } = string.Empty;

    protected override string LogHeading => "verifier log, last lines";

    protected override IReadOnlyList<string> FindHints() => _findHints?.Invoke() ?? [];
}
