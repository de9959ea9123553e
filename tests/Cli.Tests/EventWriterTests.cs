using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace RawBpf.Cli.Tests;

/// <summary>
/// rawexitsnoop's formatting of one exit record, as compiled into the tool: the JSON line (System.Text.Json's
/// Utf8JsonWriter) keeps every name recoverable, the table row shows every name without a raw control or bidi
/// character. The end-to-end tests (RawExitSnoopOutputTests) show the same on the published binary.
/// </summary>
public sealed class EventWriterTests
{
    private const uint Pid = 4242;
    private const uint Tid = 4243;
    private const uint Ppid = 17;
    private const uint Uid = 1000;
    private const ulong CgroupId = 99;

    // In the order the README lists them; comm_base64 only for a name that is not valid UTF-8.
    private static readonly string[] Fields = ["time", "pid", "tid", "ppid", "uid", "comm", "exit_code", "signal", "core_dumped", "status", "duration_ns", "cgroup_id", "process_exit"];

    // The issue's list: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI.
    private static readonly char[] BidiControlCharacters = [.. "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069"];

    /// <summary>
    /// An 80-byte <c>struct exitsnoop_event</c> (bpf/include/exitsnoop.h): a thread record of <see cref="Pid"/>,
    /// 1.5 ms old, with the given wait status and name.
    /// </summary>
    private static byte[] Record(ReadOnlySpan<byte> comm, int status = 3 << 8)
    {
        var record = new byte[ExitEvent.Size];
        var span = record.AsSpan();
        ulong exitTime = 5_000_000_000;
        ulong[] times = [exitTime, exitTime - 1_500_000, exitTime - 1_500_000, CgroupId];
        for (var i = 0; i < times.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(span[(i * 8)..], times[i]);
        uint[] ids = [Pid, Tid, Ppid, Uid, (uint)status, 0, 0];
        for (var i = 0; i < ids.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(span[(32 + i * 4)..], ids[i]);
        comm.CopyTo(span[64..^1]);
        return record;
    }

    // One output and one writer of each kind per test, reused as the tool reuses them: a writer owns a 64 KiB buffer.
    private readonly MemoryStream _output = new();
    private readonly JsonEventWriter _json;
    private readonly TableEventWriter _table;

    public EventWriterTests()
    {
        var clock = new WallClock(utc: true);
        _json = new JsonEventWriter(_output, clock);
        _table = new TableEventWriter(_output, clock, showThreads: false);
    }

    private byte[] Format(EventWriter writer, params byte[][] records)
    {
        _output.SetLength(0);
        foreach (var record in records)
            writer.Write(new ExitEvent(record));
        writer.Flush();
        return _output.ToArray();
    }

    private (JsonElement Record, byte[] Line) JsonLine(ReadOnlySpan<byte> comm)
    {
        var output = Format(_json, Record(comm));
        Assert.Equal((byte)'\n', output[^1]);
        var line = output[..^1];
        Assert.DoesNotContain((byte)'\n', line);
        using var document = JsonDocument.Parse(line);
        return (document.RootElement.Clone(), line);
    }

    /// <summary>The COMM column of a single table row: the columns before it are fixed-width (55 characters).</summary>
    private byte[] TableComm(ReadOnlySpan<byte> comm)
    {
        var output = Format(_table, Record(comm));
        Assert.Equal((byte)'\n', output[^1]);
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} 4242 {4}17 {6}3 {10}1500000 {8}$", Encoding.Latin1.GetString(output[..55]));
        return output[55..^1];
    }

    [Fact]
    public void JsonLineHasEveryFieldWithItsValue()
    {
        var (record, _) = JsonLine("forkexit"u8);

        Assert.Equal(Fields, record.EnumerateObject().Select(property => property.Name).ToArray());
        Assert.Equal(Pid, record.GetProperty("pid").GetUInt32());
        Assert.Equal(Tid, record.GetProperty("tid").GetUInt32());
        Assert.Equal(Ppid, record.GetProperty("ppid").GetUInt32());
        Assert.Equal(Uid, record.GetProperty("uid").GetUInt32());
        Assert.Equal("forkexit", record.GetProperty("comm").GetString());
        Assert.Equal(3, record.GetProperty("exit_code").GetInt32());
        Assert.Equal(0, record.GetProperty("signal").GetInt32());
        Assert.False(record.GetProperty("core_dumped").GetBoolean());
        Assert.Equal(3 << 8, record.GetProperty("status").GetInt32());
        Assert.Equal(1_500_000UL, record.GetProperty("duration_ns").GetUInt64());
        Assert.Equal(CgroupId, record.GetProperty("cgroup_id").GetUInt64());
        Assert.False(record.GetProperty("process_exit").GetBoolean());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$", record.GetProperty("time").GetString());
    }

    [Fact]
    public void JsonLinesAreOneObjectEach()
    {
        var output = Format(_json, Record("a"u8), Record("b"u8, status: 9 | 0x80), Record("c"u8));

        var lines = Encoding.UTF8.GetString(output).Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal("", lines[3]);
        Assert.All(lines[..3], line => Assert.StartsWith("{\"time\":\"", line, StringComparison.Ordinal));
        using var killed = JsonDocument.Parse(lines[1]);
        Assert.Equal("b", killed.RootElement.GetProperty("comm").GetString());
        Assert.Equal(9, killed.RootElement.GetProperty("signal").GetInt32());
        Assert.Equal(0, killed.RootElement.GetProperty("exit_code").GetInt32());
        Assert.True(killed.RootElement.GetProperty("core_dumped").GetBoolean());
    }

    [Fact]
    public void JsonKeepsAnInvalidUtf8NameExactInCommBase64()
    {
        byte[] name = [0xff, 0xfe, 0xc3, 0x28, 0x80];
        var (record, line) = JsonLine(name);

        Assert.Equal(Fields.Take(6).Append("comm_base64").Concat(Fields.Skip(6)), record.EnumerateObject().Select(property => property.Name));
        Assert.Equal("\ufffd\ufffd\ufffd(\ufffd", record.GetProperty("comm").GetString());
        Assert.Equal(name, record.GetProperty("comm_base64").GetBytesFromBase64());
        Assert.Contains("\"comm_base64\":\"//7DKIA=\"", Encoding.UTF8.GetString(line), StringComparison.Ordinal);
    }

    [Fact]
    public void JsonEscapesBidiControlsAndTheTableWritesTheirBytesAsHex()
    {
        foreach (var control in BidiControlCharacters)
        {
            var name = Encoding.UTF8.GetBytes($"a{control}b");
            var (record, line) = JsonLine(name);
            var escaped = $"\"comm\":\"a\\u{(int)control:X4}b\"";
            Assert.Contains(escaped, Encoding.UTF8.GetString(line), StringComparison.Ordinal);
            Assert.Equal($"a{control}b", record.GetProperty("comm").GetString());
            Assert.False(record.TryGetProperty("comm_base64", out _));

            var hex = string.Concat(name[1..^1].Select(b => $"\\x{b:x2}"));
            Assert.Equal($"a{hex}b", Encoding.Latin1.GetString(TableComm(name)));
        }
    }

    [Fact]
    public void TableEscapesControlsBackslashAndInvalidUtf8AndKeepsOtherText()
    {
        // ESC, backslash, é, U+0085 (C1), the invalid ff, emoji, a zero-width joiner (a format character, not bidi).
        var name = new byte[] { (byte)'a', 0x1b, (byte)'\\' }.Concat("é\u0085"u8.ToArray()).Append((byte)0xff).Concat("😀\u200d"u8.ToArray()).ToArray();

        Assert.Equal(@"a\x1b\x5cé\xc2\x85\xff😀" + "\u200d", Encoding.UTF8.GetString(TableComm(name)));
    }

    /// <summary>Every BMP code point in a name: JSON gives it back as text, the table shows it or its bytes.</summary>
    [Fact]
    public void EveryBmpCodePointIsRecoverableFromJsonAndSafeInTheTable()
    {
        for (var codePoint = 0x01; codePoint <= 0xFFFF; codePoint++)
        {
            // A surrogate code point is not a scalar value: its three bytes are invalid UTF-8.
            var bytes = char.IsSurrogate((char)codePoint)
                ? [(byte)'a', (byte)(0xE0 | codePoint >> 12), (byte)(0x80 | codePoint >> 6 & 0x3F), (byte)(0x80 | codePoint & 0x3F), (byte)'z']
                : Encoding.UTF8.GetBytes($"a{(char)codePoint}z");
            AssertRecoverableFromJson(bytes);

            var shown = TableComm(bytes);
            var raw = shown.AsSpan(1, shown.Length - 2).SequenceEqual(bytes.AsSpan(1, bytes.Length - 2));
            var mustEscape = codePoint == '\\' || char.IsControl((char)codePoint) || char.IsSurrogate((char)codePoint) || BidiControlCharacters.Contains((char)codePoint);
            Assert.True(raw != mustEscape, $"U+{codePoint:X4} shown in the table as {Encoding.UTF8.GetString(shown)}");
            if (mustEscape)
                Assert.Equal("a" + string.Concat(bytes[1..^1].Select(b => $"\\x{b:x2}")) + "z", Encoding.Latin1.GetString(shown));
        }
    }

    [Fact]
    public void RandomNamesAreRecoverableFromJson()
    {
        var random = new Random(20261203);
        var name = new byte[ExitEvent.CommLength - 1];
        for (var i = 0; i < 10_000; i++)
        {
            random.NextBytes(name);
            var length = random.Next(name.Length + 1);
            // NUL ends the kernel's comm: the tool never sees one inside a name.
            AssertRecoverableFromJson([.. name.AsSpan(0, length).ToArray().Select(b => b == 0 ? (byte)1 : b)]);
        }
    }

    /// <summary>
    /// The name decodes from <c>comm</c> when it is valid UTF-8 (and there is no <c>comm_base64</c>), from
    /// <c>comm_base64</c> otherwise; the line holds no raw control character and no raw bidi control.
    /// </summary>
    private void AssertRecoverableFromJson(byte[] name)
    {
        var (record, line) = JsonLine(name);
        var hex = Convert.ToHexString(name);
        if (Utf8.IsValid(name))
        {
            Assert.True(Encoding.UTF8.GetString(name) == record.GetProperty("comm").GetString(), $"comm of {hex}");
            Assert.False(record.TryGetProperty("comm_base64", out _), $"comm_base64 beside a valid name {hex}");
        }
        else
        {
            Assert.True(name.AsSpan().SequenceEqual(record.GetProperty("comm_base64").GetBytesFromBase64()), $"comm_base64 of {hex}");
            Assert.Equal(Encoding.UTF8.GetString(name), record.GetProperty("comm").GetString());
        }
        var text = Encoding.UTF8.GetString(line);
        Assert.True(!text.Any(char.IsControl) && text.IndexOfAny(BidiControlCharacters) < 0, $"raw control in the JSON of {hex}: {text}");
    }
}
