using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace RawBpf.Cli.Tests;

/// <summary>
/// rawexitsnoop writes JSON by hand to keep System.Text.Json out of its binary; its output must stay byte for
/// byte what Utf8JsonWriter with relaxed escaping wrote before (and what users already parse).
/// </summary>
public sealed class JsonStringTests
{
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary>The writer rawexitsnoop used before: UTF-8 as is, invalid UTF-8 through a string (U+FFFD).</summary>
    private static byte[] Reference(ReadOnlySpan<byte> name)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(buffer, Options);
        if (Utf8.IsValid(name))
            json.WriteStringValue(name);
        else
            json.WriteStringValue(Encoding.UTF8.GetString(name));
        json.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] HandWritten(ReadOnlySpan<byte> name)
    {
        var buffer = new ArrayBufferWriter<byte>();
        JsonString.Write(name, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void AssertSame(ReadOnlySpan<byte> name)
    {
        var expected = Reference(name);
        var actual = HandWritten(name);
        Assert.True(expected.AsSpan().SequenceEqual(actual),
            $"name {Convert.ToHexString(name)}: expected {Encoding.UTF8.GetString(expected)}, got {Encoding.UTF8.GetString(actual)}");
    }

    [Fact]
    public void EveryBmpCodePointInAName_IsWrittenAsUtf8JsonWriterWritesIt()
    {
        // Surrogate code points encode to invalid UTF-8 (ED A0 80 ..): the U+FFFD path is covered too.
        Span<byte> name = stackalloc byte[5];
        for (var codePoint = 0; codePoint <= 0xFFFF; codePoint++)
        {
            name[0] = (byte)'a';
            int length;
            if (codePoint < 0x80)
            {
                name[1] = (byte)codePoint;
                length = 2;
            }
            else if (codePoint < 0x800)
            {
                name[1] = (byte)(0xC0 | codePoint >> 6);
                name[2] = (byte)(0x80 | codePoint & 0x3F);
                length = 3;
            }
            else
            {
                name[1] = (byte)(0xE0 | codePoint >> 12);
                name[2] = (byte)(0x80 | codePoint >> 6 & 0x3F);
                name[3] = (byte)(0x80 | codePoint & 0x3F);
                length = 4;
            }
            name[length++] = (byte)'z';
            AssertSame(name[..length]);
        }
    }

    [Fact]
    public void SupplementaryCodePoints_AreWrittenAsUtf8JsonWriterWritesThem()
    {
        Span<byte> name = stackalloc byte[4];
        for (var codePoint = 0x10000; codePoint <= 0x10FFFF; codePoint += 0x3F)
        {
            new Rune(codePoint).EncodeToUtf8(name);
            AssertSame(name);
        }
        AssertSame("😀 ok"u8);
    }

    [Fact]
    public void RandomBytesAndKnownNames_AreWrittenAsUtf8JsonWriterWritesThem()
    {
        var random = new Random(20261125);
        var name = new byte[15];
        for (var i = 0; i < 200_000; i++)
        {
            random.NextBytes(name);
            var length = random.Next(name.Length + 1);
            // Half the time a mix of printable ASCII and the characters where escaping rules differ.
            if (i % 2 == 0)
            {
                const string alphabet = "aZ09 <>&'+`/é\u00a0\u2028\u200b\ufeff\"\\\u001b\u007f\u0085";
                var text = new StringBuilder();
                for (var c = 0; c < length; c++)
                    text.Append(alphabet[random.Next(alphabet.Length)]);
                var bytes = Encoding.UTF8.GetBytes(text.ToString());
                length = Math.Min(bytes.Length, name.Length);
                bytes.AsSpan(0, length).CopyTo(name);
            }
            AssertSame(name.AsSpan(0, length));
        }
        foreach (var known in new[] { ""u8.ToArray(), "bash"u8.ToArray(), "kworker/u4:2"u8.ToArray(), "a\"b\\c\td\ne"u8.ToArray(), new byte[] { 0xC3 }, new byte[] { 0xF0, 0x9F, 0x98 }, new byte[] { 0xED, 0xBF, 0xBF }, new byte[] { 0xFF, 0xFE, 0x7F, 0x80 } })
            AssertSame(known);
    }
}
