using System.Buffers;
using System.Globalization;
using System.Text;

namespace RawBpf.Cli;

/// <summary>
/// Writes a JSON string with the same bytes as Utf8JsonWriter using JavaScriptEncoder.UnsafeRelaxedJsonEscaping
/// (the output format users already parse), without linking System.Text.Json and System.Text.Encodings.Web.
/// Kept as UTF-8: letters, marks, numbers, punctuation, symbols, format characters (Cf) and the space.
/// Escaped: <c>"</c> and <c>\</c>, control characters (\b \t \n \f \r short, the rest \uXXXX with
/// uppercase hex), other separators (Zs, Zl, Zp), surrogates, private use, unassigned code points, U+FEFF and
/// everything beyond the BMP (as a \uXXXX\uXXXX surrogate pair). Invalid UTF-8 becomes U+FFFD per maximal
/// subpart, as Encoding.UTF8 decodes it.
/// </summary>
internal static class JsonString
{
    public static void Write(ReadOnlySpan<byte> utf8, IBufferWriter<byte> destination)
    {
        // Worst case: every byte becomes a 6-byte \uXXXX escape (or 3 bytes of U+FFFD), plus the quotes.
        var span = destination.GetSpan(utf8.Length * 6 + 2);
        var length = 0;
        span[length++] = (byte)'"';
        while (!utf8.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(utf8, out var rune, out var consumed);
            if (status != OperationStatus.Done)
            {
                length += Rune.ReplacementChar.EncodeToUtf8(span[length..]); // U+FFFD is kept as UTF-8
            }
            else if (IsKept(rune))
            {
                utf8[..consumed].CopyTo(span[length..]);
                length += consumed;
            }
            else
            {
                length += Escape(rune, span[length..]);
            }
            utf8 = utf8[consumed..];
        }
        span[length++] = (byte)'"';
        destination.Advance(length);
    }

    private static bool IsKept(Rune rune)
    {
        var value = rune.Value;
        if (value < 0x80)
            return value >= 0x20 && value != '"' && value != '\\' && value != 0x7F;
        if (value > 0xFFFF || value == 0xFEFF)
            return false;
        return CharUnicodeInfo.GetUnicodeCategory(value) switch
        {
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Control or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned => false,
            _ => true,
        };
    }

    private static int Escape(Rune rune, Span<byte> destination)
    {
        var shortForm = rune.Value switch
        {
            '"' => (byte)'"',
            '\\' => (byte)'\\',
            '\b' => (byte)'b',
            '\t' => (byte)'t',
            '\n' => (byte)'n',
            '\f' => (byte)'f',
            '\r' => (byte)'r',
            _ => (byte)0,
        };
        if (shortForm != 0)
        {
            destination[0] = (byte)'\\';
            destination[1] = shortForm;
            return 2;
        }
        Span<char> utf16 = stackalloc char[2];
        var units = rune.EncodeToUtf16(utf16);
        for (var i = 0; i < units; i++)
            HexEscape(utf16[i], destination[(i * 6)..]);
        return units * 6;
    }

    private static void HexEscape(char unit, Span<byte> destination)
    {
        const string hex = "0123456789ABCDEF";
        destination[0] = (byte)'\\';
        destination[1] = (byte)'u';
        destination[2] = (byte)hex[unit >> 12];
        destination[3] = (byte)hex[(unit >> 8) & 0xF];
        destination[4] = (byte)hex[(unit >> 4) & 0xF];
        destination[5] = (byte)hex[unit & 0xF];
    }
}
