using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace RawBpf.Cli;

/// <summary>
/// Formats exit records as UTF-8 into one reusable buffer, flushed to the output once per ring buffer batch:
/// no string and no allocation per record.
/// </summary>
internal abstract class EventWriter(Stream output, WallClock clock)
{
    protected readonly ArrayBufferWriter<byte> Buffer = new(64 * 1024);
    protected readonly WallClock Clock = clock;

    public abstract void WriteHeader();
    public abstract void Write(in ExitEvent exit);

    /// <summary>Hands the batch to the output; an IOException here (EPIPE from `| head`) ends the run quietly.</summary>
    public void Flush()
    {
        if (Buffer.WrittenCount == 0)
            return;
        output.Write(Buffer.WrittenSpan);
        output.Flush();
        Buffer.ResetWrittenCount();
    }

    protected void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Buffer.GetSpan(bytes.Length));
        Buffer.Advance(bytes.Length);
    }

    protected void Append(ulong value)
    {
        Utf8Formatter.TryFormat(value, Buffer.GetSpan(20), out var written);
        Buffer.Advance(written);
    }

    protected void Pad(int written, int width)
    {
        var pad = Math.Max(1, width - written);
        Buffer.GetSpan(pad)[..pad].Fill((byte)' ');
        Buffer.Advance(pad);
    }
}

/// <summary>The seed's table: TIME PID PPID EXIT_CODE DURATION_NS COMM (TID after PID with --threads).</summary>
internal sealed class TableEventWriter(Stream output, WallClock clock, bool showThreads) : EventWriter(output, clock)
{
    private const int TimeWidth = 13;
    private const int IdWidth = 8;
    private const int ExitCodeWidth = 11;
    private const int DurationWidth = 15;

    public override void WriteHeader()
    {
        Append(showThreads
            ? "TIME         PID     TID     PPID    EXIT_CODE  DURATION_NS    COMM\n"u8
            : "TIME         PID     PPID    EXIT_CODE  DURATION_NS    COMM\n"u8);
    }

    public override void Write(in ExitEvent exit)
    {
        WriteTimeOfDay(Clock.ToDisplayNs(exit.ExitTimeNs));
        Column(exit.Pid, IdWidth);
        if (showThreads)
            Column(exit.Tid, IdWidth);
        Column(exit.Ppid, IdWidth);
        var start = Buffer.WrittenCount;
        if (exit.Signal == 0)
        {
            Append((ulong)exit.ExitCode);
        }
        else
        {
            // Into the buffer directly: a byte[] per killed process would be the only allocation per record.
            var name = SignalNames.Name(exit.Signal);
            Buffer.Advance(Encoding.ASCII.GetBytes(name, Buffer.GetSpan(name.Length)));
            if (exit.CoreDumped)
                Append(" (core dumped)"u8);
        }
        Pad(Buffer.WrittenCount - start, ExitCodeWidth);
        Column(exit.DurationNs, DurationWidth);
        AppendEscapedComm(exit.Comm);
        Append("\n"u8);
    }

    private void Column(ulong value, int width)
    {
        var start = Buffer.WrittenCount;
        Append(value);
        Pad(Buffer.WrittenCount - start, width);
    }

    /// <summary>HH:MM:SS.mmm of the given nanoseconds since the epoch (already shifted to the display zone).</summary>
    private void WriteTimeOfDay(long displayNs)
    {
        const long dayNs = 86_400_000_000_000;
        var ofDay = (displayNs % dayNs + dayNs) % dayNs;
        var ms = ofDay / 1_000_000;
        Span<byte> text = stackalloc byte[12];
        TwoDigits(text, (int)(ms / 3_600_000));
        text[2] = (byte)':';
        TwoDigits(text[3..], (int)(ms / 60_000 % 60));
        text[5] = (byte)':';
        TwoDigits(text[6..], (int)(ms / 1000 % 60));
        text[8] = (byte)'.';
        var millis = (int)(ms % 1000);
        text[9] = (byte)('0' + millis / 100);
        text[10] = (byte)('0' + millis / 10 % 10);
        text[11] = (byte)('0' + millis % 10);
        Append(text);
        Pad(text.Length, TimeWidth);
    }

    private static void TwoDigits(Span<byte> destination, int value)
    {
        destination[0] = (byte)('0' + value / 10);
        destination[1] = (byte)('0' + value % 10);
    }

    /// <summary>
    /// A process chooses its own name, escape sequences included: control characters (C0, DEL, C1), invalid
    /// UTF-8 and the backslash itself are written as \xHH so nothing reaches a terminal raw.
    /// </summary>
    private void AppendEscapedComm(ReadOnlySpan<byte> comm)
    {
        while (!comm.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(comm, out var rune, out var consumed);
            if (status == OperationStatus.Done && !Rune.IsControl(rune) && rune.Value != '\\')
            {
                Append(comm[..consumed]);
            }
            else
            {
                for (var i = 0; i < consumed; i++)
                    AppendHexEscape(comm[i]);
            }
            comm = comm[consumed..];
        }
    }

    private void AppendHexEscape(byte value)
    {
        const string hex = "0123456789abcdef";
        var span = Buffer.GetSpan(4);
        span[0] = (byte)'\\';
        span[1] = (byte)'x';
        span[2] = (byte)hex[value >> 4];
        span[3] = (byte)hex[value & 0xf];
        Buffer.Advance(4);
    }
}

/// <summary>
/// One JSON object per line; the name keeps its exact text, escaped by JSON's rules. Written by hand (same bytes
/// as Utf8JsonWriter with relaxed escaping, see <see cref="JsonString"/>): System.Text.Json would add ~90 KB.
/// </summary>
internal sealed class JsonEventWriter(Stream output, WallClock clock) : EventWriter(output, clock)
{
    public override void WriteHeader()
    {
    }

    public override void Write(in ExitEvent exit)
    {
        Span<byte> time = stackalloc byte[30];
        Append("{\"time\":\""u8);
        Append(FormatIsoTime(Clock.ToUnixNs(exit.ExitTimeNs), time));
        Append("\",\"pid\":"u8);
        Append(exit.Pid);
        Append(",\"tid\":"u8);
        Append(exit.Tid);
        Append(",\"ppid\":"u8);
        Append(exit.Ppid);
        Append(",\"uid\":"u8);
        Append(exit.Uid);
        Append(",\"comm\":"u8);
        JsonString.Write(exit.Comm, Buffer);
        Append(",\"exit_code\":"u8);
        Append((ulong)(exit.Signal == 0 ? exit.ExitCode : 0));
        Append(",\"signal\":"u8);
        Append((ulong)exit.Signal);
        Append(exit.CoreDumped ? ",\"core_dumped\":true,\"status\":"u8 : ",\"core_dumped\":false,\"status\":"u8);
        AppendSigned(exit.Status);
        Append(",\"duration_ns\":"u8);
        Append(exit.DurationNs);
        Append(",\"cgroup_id\":"u8);
        Append(exit.CgroupId);
        Append(exit.IsProcessExit ? ",\"process_exit\":true}\n"u8 : ",\"process_exit\":false}\n"u8);
    }

    private void AppendSigned(long value)
    {
        Utf8Formatter.TryFormat(value, Buffer.GetSpan(20), out var written);
        Buffer.Advance(written);
    }

    /// <summary>Writes <paramref name="value"/> as exactly <c>destination.Length</c> decimal digits, zero-padded.</summary>
    private static void Digits(Span<byte> destination, long value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    /// <summary>ISO 8601 UTC with nanoseconds: 2026-11-25T00:48:02.123456789Z.</summary>
    private static ReadOnlySpan<byte> FormatIsoTime(long unixNs, Span<byte> destination)
    {
        var seconds = Math.DivRem(unixNs, 1_000_000_000, out var nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000;
        }
        // By hand rather than Utf8Formatter's 'O': that keeps .NET's general date formatting out of the binary.
        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        Digits(destination[..4], time.Year);
        destination[4] = (byte)'-';
        Digits(destination.Slice(5, 2), time.Month);
        destination[7] = (byte)'-';
        Digits(destination.Slice(8, 2), time.Day);
        destination[10] = (byte)'T';
        Digits(destination.Slice(11, 2), time.Hour);
        destination[13] = (byte)':';
        Digits(destination.Slice(14, 2), time.Minute);
        destination[16] = (byte)':';
        Digits(destination.Slice(17, 2), time.Second);
        destination[19] = (byte)'.';
        Digits(destination.Slice(20, 9), nanos);
        destination[29] = (byte)'Z';
        return destination[..30];
    }
}
