namespace RawBpf.BtfCore;

/// <summary>
/// Malformed BTF or BTF.ext: the one exception a reader of untrusted bytes lets out. It names the section
/// (<c>.BTF</c>, <c>.BTF.ext</c>, a file) and the byte offset within it where the data stops making sense.
/// </summary>
public class BtfFormatException : RawBpfFormatException
{
    public BtfFormatException(string section, long offset, string problem) : base(section, offset, problem)
    {
    }

    public BtfFormatException(string message) : base(message)
    {
    }

    public BtfFormatException(string message, Exception inner) : base(message, inner)
    {
    }
}
