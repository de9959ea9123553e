namespace RawBpf.Cli;

/// <summary>
/// rawbpf's commands that take an object file: a format error names the file first, as <c>btf dump</c>'s do. The
/// library's message names the section and offset; which of a user's files it is, only the command knows.
/// </summary>
internal static class ObjectInput
{
    public static T Parse<T>(string path, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (RawBpfFormatException e)
        {
            throw new ObjectFormatException(path, e);
        }
    }
}

/// <summary>A format error in the object at <paramref name="path"/>.</summary>
internal sealed class ObjectFormatException(string path, RawBpfFormatException inner) : RawBpfException($"{path}: {inner.Message}", inner);
