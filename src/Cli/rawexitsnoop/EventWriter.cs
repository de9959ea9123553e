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
    /// A process chooses its own name, escape sequences included: control characters (C0, DEL, C1), bidi
    /// controls (which reorder the rest of the line), invalid UTF-8 and the backslash itself are written as
    /// \xHH per byte so nothing reaches a terminal raw.
    /// </summary>
    private void AppendEscapedComm(ReadOnlySpan<byte> comm)
    {
        while (!comm.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(comm, out var rune, out var consumed);
            if (status == OperationStatus.Done && !Rune.IsControl(rune) && !BidiControls.Contains(rune) && rune.Value != '\\')
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
/// One JSON object per line, written by Utf8JsonWriter into the shared buffer. A valid UTF-8 name is written as
/// its text; JSON text cannot hold invalid UTF-8, so such a name is written lossily (U+FFFD per invalid
/// sequence) as <c>comm</c> and exactly as <c>comm_base64</c>. Bidi controls are escaped (\u202E) like the
/// control characters, so a name cannot reorder how the rest of the line is displayed.
/// </summary>
internal sealed class JsonEventWriter : EventWriter
{
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText PidName = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText TidName = JsonEncodedText.Encode("tid");
    private static readonly JsonEncodedText PpidName = JsonEncodedText.Encode("ppid");
    private static readonly JsonEncodedText UidName = JsonEncodedText.Encode("uid");
    private static readonly JsonEncodedText CommName = JsonEncodedText.Encode("comm");
    private static readonly JsonEncodedText CommBase64Name = JsonEncodedText.Encode("comm_base64");
    private static readonly JsonEncodedText ExitCodeName = JsonEncodedText.Encode("exit_code");
    private static readonly JsonEncodedText SignalName = JsonEncodedText.Encode("signal");
    private static readonly JsonEncodedText CoreDumpedName = JsonEncodedText.Encode("core_dumped");
    private static readonly JsonEncodedText StatusName = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText DurationName = JsonEncodedText.Encode("duration_ns");
    private static readonly JsonEncodedText CgroupIdName = JsonEncodedText.Encode("cgroup_id");
    private static readonly JsonEncodedText ProcessExitName = JsonEncodedText.Encode("process_exit");

    private readonly Utf8JsonWriter _json;

    public JsonEventWriter(Stream output, WallClock clock) : base(output, clock)
    {
        // Only JavaScriptEncoder.Create takes a character set; it also escapes HTML's <>&'+`" as \uXXXX,
        // which any JSON reader decodes to the same text.
        var characters = new TextEncoderSettings(UnicodeRanges.All);
        characters.ForbidCharacters([.. BidiControls.Characters]);
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.Create(characters), SkipValidation = true };
        _json = new Utf8JsonWriter(Buffer, options);
    }

    public override void WriteHeader()
    {
    }

    public override void Write(in ExitEvent exit)
    {
        Span<byte> time = stackalloc byte[30];
        // Each line is a root value of its own: a writer that went on would put a ',' between them.
        _json.Reset();
        _json.WriteStartObject();
        _json.WriteString(TimeName, FormatIsoTime(Clock.ToUnixNs(exit.ExitTimeNs), time));
        _json.WriteNumber(PidName, exit.Pid);
        _json.WriteNumber(TidName, exit.Tid);
        _json.WriteNumber(PpidName, exit.Ppid);
        _json.WriteNumber(UidName, exit.Uid);
        WriteComm(exit.Comm);
        _json.WriteNumber(ExitCodeName, exit.Signal == 0 ? exit.ExitCode : 0);
        _json.WriteNumber(SignalName, exit.Signal);
        _json.WriteBoolean(CoreDumpedName, exit.CoreDumped);
        _json.WriteNumber(StatusName, exit.Status);
        _json.WriteNumber(DurationName, exit.DurationNs);
        _json.WriteNumber(CgroupIdName, exit.CgroupId);
        _json.WriteBoolean(ProcessExitName, exit.IsProcessExit);
        _json.WriteEndObject();
        _json.Flush();
        Append("\n"u8);
    }

    private void WriteComm(ReadOnlySpan<byte> comm)
    {
        if (Utf8.IsValid(comm))
        {
            _json.WriteString(CommName, comm);
            return;
        }
        // Decoding yields at most one UTF-16 unit per byte (U+FFFD per invalid sequence, a pair per 4 bytes).
        Span<char> lossy = stackalloc char[ExitEvent.CommLength];
        var length = Encoding.UTF8.GetChars(comm, lossy);
        _json.WriteString(CommName, lossy[..length]);
        _json.WriteBase64String(CommBase64Name, comm);
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
        // By hand: .NET's 'O' format stops at DateTime's 100 ns ticks, the kernel's clock counts nanoseconds.
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

/// <summary>
/// The Unicode bidirectional formatting characters (UAX #9): the arabic letter, left-to-right and right-to-left
/// marks, the embeddings and overrides (U+202A-U+202E) and the isolates (U+2066-U+2069). Raw in a name they
/// change how the rest of the line is displayed (U+202E shows it reversed).
/// </summary>
internal static class BidiControls
{
    public static ReadOnlySpan<char> Characters => "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069";

    public static bool Contains(Rune rune) => rune.Value >= 0x061C && rune.IsBmp && Characters.Contains((char)rune.Value);
}
