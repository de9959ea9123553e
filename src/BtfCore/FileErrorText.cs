namespace RawBpf.BtfCore;

/// <summary>
/// Words of our own for a failed open or read of a file: with UseSystemResourceKeys (the AOT tools) .NET's own
/// messages are resource keys such as <c>IO_FileNotFound_FileName</c>.
/// </summary>
public static class FileErrorText
{
    public static string Describe(Exception error, string path) => error switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
        PathTooLongException => "file name too long",
        UnauthorizedAccessException when Directory.Exists(path) => "is a directory",
        UnauthorizedAccessException => "permission denied",
        _ => error?.Message ?? "unknown error",
    };
}
