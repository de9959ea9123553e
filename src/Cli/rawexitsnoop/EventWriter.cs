using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

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

/// <summary>One JSON object per line; the name keeps its exact text, escaped by JSON's rules.</summary>
internal sealed class JsonEventWriter : EventWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Relaxed: non-ASCII names stay readable; JSON's own rules still escape control characters and quotes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly Utf8JsonWriter _json;

    public JsonEventWriter(Stream output, WallClock clock) : base(output, clock) => _json = new Utf8JsonWriter(Buffer, Options);

    public override void WriteHeader()
    {
    }

    public override void Write(in ExitEvent exit)
    {
        _json.Reset(Buffer);
        _json.WriteStartObject();
        Span<byte> time = stackalloc byte[30];
        _json.WriteString("time"u8, FormatIsoTime(Clock.ToUnixNs(exit.ExitTimeNs), time));
        _json.WriteNumber("pid"u8, exit.Pid);
        _json.WriteNumber("tid"u8, exit.Tid);
        _json.WriteNumber("ppid"u8, exit.Ppid);
        _json.WriteNumber("uid"u8, exit.Uid);
        var comm = exit.Comm;
        if (Utf8.IsValid(comm))
            _json.WriteString("comm"u8, comm);
        else
            _json.WriteString("comm"u8, Encoding.UTF8.GetString(comm)); // invalid bytes become U+FFFD; rare
        _json.WriteNumber("exit_code"u8, exit.Signal == 0 ? exit.ExitCode : 0);
        _json.WriteNumber("signal"u8, exit.Signal);
        _json.WriteBoolean("core_dumped"u8, exit.CoreDumped);
        _json.WriteNumber("status"u8, exit.Status);
        _json.WriteNumber("duration_ns"u8, exit.DurationNs);
        _json.WriteNumber("cgroup_id"u8, exit.CgroupId);
        _json.WriteBoolean("process_exit"u8, exit.IsProcessExit);
        _json.WriteEndObject();
        _json.Flush();
        Append("\n"u8);
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
        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        Utf8Formatter.TryFormat(time, destination, out var written, new StandardFormat('O'));
        // 'O' gives yyyy-MM-ddTHH:mm:ss.fffffffZ; replace the 7 fraction digits and Z with 9 and Z.
        var dot = destination[..written].IndexOf((byte)'.');
        destination[dot] = (byte)'.';
        Utf8Formatter.TryFormat((ulong)nanos, destination[(dot + 1)..], out _, new StandardFormat('D', 9));
        destination[dot + 10] = (byte)'Z';
        return destination[..(dot + 11)];
    }
}
