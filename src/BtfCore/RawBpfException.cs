using System.Text;

namespace RawBpf;

/// <summary>
/// The root of every exception RawBpf throws for bad input or a kernel failure: a malformed file, a refused system
/// call, a rejected program. Catch this one type to report any of them; the subclasses carry the particulars (the
/// section and offset, the call and errno, the verifier log). Its <see cref="Message"/> is written for the user.
/// </summary>
public abstract class RawBpfException : Exception
{
    private IReadOnlyList<string>? _hints;

    protected RawBpfException(string message) : base(message)
    {
    }

    protected RawBpfException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    /// <summary>What failed, where and why, as one statement: the message without the log and the hints.</summary>
    public virtual string Problem => base.Message;

    /// <summary>
    /// What the user can do about it, when known; empty otherwise. Found on first use, not when the exception is
    /// made: finding one may inspect the process or probe the kernel (a <c>BPF_PROG_LOAD</c> for EPERM).
    /// </summary>
    public IReadOnlyList<string> Hints => _hints ??= FindHints();

    /// <summary>The last lines of the log the kernel wrote about the failure (the verifier's), empty when none.</summary>
    public virtual string LogTail => string.Empty;

    /// <summary>The <see cref="Problem"/>, then the log's last lines under <see cref="LogHeading"/>, then each hint on a line.</summary>
    public override string Message
    {
        get
        {
            var message = new StringBuilder(Problem);
            if (LogTail.Length > 0)
                message.Append('\n').Append(LogHeading).Append(":\n").Append(LogTail);
            foreach (var hint in Hints)
                message.Append("\n  hint: ").Append(hint);
            return message.ToString();
        }
    }

    /// <summary>What introduces <see cref="LogTail"/> in the message, e.g. "verifier log, last lines".</summary>
    protected virtual string LogHeading => "kernel log, last lines";

    /// <summary>Computes <see cref="Hints"/>, once, when they are first asked for.</summary>
    protected virtual IReadOnlyList<string> FindHints() => [];
}
