namespace RawBpf.BtfCore;

/// <summary>
/// Malformed BTF or BTF.ext: the one exception a reader of untrusted bytes lets out. It names the section
/// (<c>.BTF</c>, <c>.BTF.ext</c>, a file) and the byte offset within it where the data stops making sense.
/// </summary>
public class BtfFormatException : FormatException
{
    public BtfFormatException(string section, long offset, string problem)
        : base($"{section}: {problem} (at offset {offset})")
    {
        Section = section;
        Offset = offset;
    }

    public BtfFormatException(string message) : base(message)
    {
        Section = "";
        Offset = -1;
    }

    public BtfFormatException(string message, Exception inner) : base(message, inner)
    {
        Section = "";
        Offset = -1;
    }

    /// <summary>The section or file that is malformed.</summary>
    public string Section { get; }

    /// <summary>Byte offset within <see cref="Section"/>, or -1 where no single offset is to blame.</summary>
    public long Offset { get; }
}
