using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// The log policy libbpf follows for BPF_PROG_LOAD and BPF_BTF_LOAD: load without a log first (a log costs the
/// kernel time and memory, and most loads succeed); after a failure, load again with log_level 1 so the error
/// can be explained. Before 6.4 a full log buffer turns any outcome into ENOSPC, so the buffer grows until the
/// log fits (to <see cref="LogRetry.DefaultMaxLogSize"/>); 6.4+ says exactly how much it needed in log_true_size.
/// </summary>
internal static unsafe class LogRetry
{
    public const int InitialLogSize = 64 * 1024;
    public const int DefaultMaxLogSize = 16 * 1024 * 1024;

    /// <summary>One load attempt with the given log buffer (NULL and 0 for none) on the attr in
    /// <paramref name="attr"/>. Returns the fd or -1.</summary>
    public delegate int Attempt<TAttr>(ref TAttr attr, byte* logBuffer, uint logSize, uint logLevel, out int errno, out uint logTrueSize);

    public readonly record struct Outcome(int Fd, int Errno, string? Log, bool LogTruncated);

    /// <param name="attr">The attr, filled in except for the log fields.</param>
    /// <param name="attempt">The load.</param>
    /// <param name="requestedLogLevel">0: log only after a failure. Otherwise always load with this level and keep the log.</param>
    /// <param name="maxLogSize">Cap on the log buffer.</param>
    public static Outcome Run<TAttr>(ref TAttr attr, Attempt<TAttr> attempt, uint requestedLogLevel, int maxLogSize)
    {
        var firstErrno = 0;
        if (requestedLogLevel == 0)
        {
            var fd = attempt(ref attr, null, 0, 0, out firstErrno, out _);
            if (fd >= 0)
            {
                return new Outcome(fd, 0, null, false);
            }
        }

        var logLevel = requestedLogLevel == 0 ? 1u : requestedLogLevel;
        var size = Math.Min(InitialLogSize, maxLogSize);
        while (true)
        {
            var buffer = new byte[size];
            int fd, errno;
            uint trueSize;
            fixed (byte* log = buffer)
            {
                fd = attempt(ref attr, log, (uint)size, logLevel, out errno, out trueSize);
            }

            var text = DecodeLog(buffer);
            if (fd >= 0)
            {
                return new Outcome(fd, 0, text, false);
            }

            if (errno == Errno.ENOSPC && size < maxLogSize)
            {
                // log_true_size includes the terminating NUL; older kernels leave it 0, so double instead.
                var needed = trueSize > (uint)size ? (long)trueSize : (long)size * 2;
                size = (int)Math.Min(needed, maxLogSize);
                continue;
            }

            // The first attempt's errno is the real reason; ENOSPC here only says the log was cut.
            var truncated = errno == Errno.ENOSPC;
            return new Outcome(-1, firstErrno != 0 ? firstErrno : errno, text, truncated);
        }
    }

    private static string DecodeLog(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    /// <summary>The last <paramref name="lineCount"/> non-empty lines: where the verifier says what went wrong, and
    /// (with line_info) which source line it was.</summary>
    public static string Tail(string? log, int lineCount = 20)
    {
        if (string.IsNullOrEmpty(log))
        {
            return string.Empty;
        }

        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', lines.AsSpan(Math.Max(0, lines.Length - lineCount)).ToArray());
    }
}
