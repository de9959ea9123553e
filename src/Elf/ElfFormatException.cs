namespace RawBpf.Elf;

/// <summary>
/// A malformed or unsupported BPF ELF object: the one exception the reader lets out for bad bytes. The message
/// names the section (or the ELF header, a map, a program) and the byte offset within it.
/// </summary>
public class ElfFormatException : FormatException
{
    public ElfFormatException(string section, long offset, string problem)
        : base($"{section}: {problem} (at offset {offset})")
    {
        Section = section;
        Offset = offset;
        Problem = problem;
    }

    public ElfFormatException(string section, long offset, string problem, Exception inner)
        : base($"{section}: {problem} (at offset {offset})", inner)
    {
        Section = section;
        Offset = offset;
        Problem = problem;
    }

    public ElfFormatException(string message) : base(message)
    {
        Section = "";
        Offset = -1;
        Problem = message;
    }

    public ElfFormatException(string message, Exception inner) : base(message, inner)
    {
        Section = "";
        Offset = -1;
        Problem = message;
    }

    /// <summary>The section (or "ELF header", a file) where the data stops making sense.</summary>
    public string Section { get; }

    /// <summary>What is wrong, without the section and offset (to say it again about another file).</summary>
    internal string Problem { get; }

    /// <summary>Byte offset within <see cref="Section"/>, or -1 where no single offset is to blame.</summary>
    public long Offset { get; }
}
