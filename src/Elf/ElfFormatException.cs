namespace RawBpf.Elf;

/// <summary>
/// A malformed or unsupported BPF ELF object: the one exception the reader lets out for bad bytes. The message
/// names the section (or the ELF header, a map, a program) and the byte offset within it.
/// </summary>
public class ElfFormatException : RawBpfFormatException
{
    public ElfFormatException(string section, long offset, string problem) : base(section, offset, problem)
    {
    }

    public ElfFormatException(string section, long offset, string problem, Exception inner) : base(section, offset, problem, inner)
    {
    }

    public ElfFormatException(string message) : base(message)
    {
    }

    public ElfFormatException(string message, Exception inner) : base(message, inner)
    {
    }
}
