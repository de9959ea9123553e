using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Programs;

/// <summary>BPF_PROG_LOAD failed; carries the verifier log.</summary>
public sealed class BpfProgramLoadException : BpfSyscallException
{
    internal BpfProgramLoadException(string programName, BpfProgramType type, int errno, string? log, bool logTruncated)
        : base(BpfCommand.ProgLoad, errno, $"program \"{programName}\"", FormatDetail(log, logTruncated),
            BpfErrorHints.ForProgramLoad(errno, type, hasLog: !string.IsNullOrEmpty(log)))
    {
        ProgramName = programName;
        Log = log ?? string.Empty;
        LogTail = LogRetry.Tail(log);
        LogTruncated = logTruncated;
    }

    public string ProgramName { get; }

    /// <summary>The whole verifier log (level 1), empty if the kernel produced none.</summary>
    public string Log { get; }

    /// <summary>The last lines of the log: the verdict, and the source line when line_info was loaded.</summary>
    public string LogTail { get; }

    /// <summary>True when the log did not fit the capped buffer (its start was lost).</summary>
    public bool LogTruncated { get; }

    internal static string? FormatDetail(string? log, bool truncated)
    {
        var tail = LogRetry.Tail(log);
        if (tail.Length == 0)
        {
            return null;
        }

        return "\nverifier log" + (truncated ? " (truncated)" : string.Empty) + ", last lines:\n" + tail;
    }
}
