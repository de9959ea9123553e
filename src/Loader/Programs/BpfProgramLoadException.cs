using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Programs;

/// <summary>BPF_PROG_LOAD failed; carries the verifier log.</summary>
public sealed class BpfProgramLoadException : BpfSyscallException
{
    private readonly BpfProgramType _type;

    internal BpfProgramLoadException(string programName, BpfProgramType type, int errno, string? log, bool logTruncated)
        : base(BpfCommand.ProgLoad, errno, $"program \"{programName}\"")
    {
        _type = type;
        ProgramName = programName;
        Log = log ?? string.Empty;
        LogTail = LogRetry.Tail(log);
        LogTruncated = logTruncated;
    }

    public string ProgramName { get; }

    /// <summary>The whole verifier log (level 1), empty if the kernel produced none.</summary>
    public string Log { get; }

    /// <summary>The last lines of the log: the verdict, and the source line when line_info was loaded.</summary>
    public override string LogTail { get; }

    /// <summary>True when the log did not fit the capped buffer (its start was lost).</summary>
    public bool LogTruncated { get; }

    protected override string LogHeading => "verifier log" + (LogTruncated ? " (truncated)" : string.Empty) + ", last lines";

    /// <summary>The capabilities this program type needs; memlock and policy only when the kernel left no log.</summary>
    protected override IReadOnlyList<string> FindHints() => BpfErrorHints.ForProgramLoad(Errno, _type, hasLog: Log.Length > 0);
}
