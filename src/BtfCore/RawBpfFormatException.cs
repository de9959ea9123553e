namespace RawBpf;

/// <summary>
/// Bytes that do not make a valid BTF blob or BPF object: names the section (or a file, the ELF header) and the byte
/// offset within it where the data stops making sense.
/// </summary>
public abstract class RawBpfFormatException : RawBpfException
{
    protected RawBpfFormatException(string section, long offset, string problem, Exception? innerException = null)
        : base(offset < 0 ? $"{section}: {problem}" : $"{section}: {problem} (at offset {offset})", innerException)
    {
        Section = section;
        Offset = offset;
        Reason = problem;
    }

    /// <summary>A message already naming where; no single section or offset is to blame.</summary>
    protected RawBpfFormatException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Section = "";
        Offset = -1;
        Reason = message;
    }

    /// <summary>The section (or file, or "ELF header") where the data stops making sense; empty when none is to blame.</summary>
    public string Section { get; }

    /// <summary>Byte offset within <see cref="Section"/>, or -1 where no single offset is to blame.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the section and offset (to say it again about another file).</summary>
    public string Reason { get; }
}
