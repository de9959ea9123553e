using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Objects;

/// <summary>BPF_BTF_LOAD failed; carries the kernel's BTF log.</summary>
public sealed class BpfBtfLoadException : BpfSyscallException
{
    internal BpfBtfLoadException(int errno, string? log, bool logTruncated)
        : base(BpfCommand.BtfLoad, errno, "BTF", BpfProgramLoadException.FormatDetail(log, logTruncated), BpfErrorHints.For(BpfCommand.BtfLoad, errno))
    {
        Log = log ?? string.Empty;
        LogTail = LogRetry.Tail(log);
    }

    public string Log { get; }

    public string LogTail { get; }
}
