using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Objects;

/// <summary>BPF_BTF_LOAD failed; carries the kernel's BTF log.</summary>
public sealed class BpfBtfLoadException : BpfSyscallException
{
    private readonly bool _logTruncated;

    internal BpfBtfLoadException(int errno, string? log, bool logTruncated)
        : base(BpfCommand.BtfLoad, errno, "BTF")
    {
        _logTruncated = logTruncated;
        Log = log ?? string.Empty;
        LogTail = LogRetry.Tail(log);
    }

    /// <summary>The whole BTF log, empty if the kernel produced none.</summary>
    public string Log { get; }

    /// <summary>The log's last lines: the kernel's verdict on the BTF.</summary>
    public override string LogTail { get; }

    protected override string LogHeading => "verifier log" + (_logTruncated ? " (truncated)" : string.Empty) + ", last lines";
}
