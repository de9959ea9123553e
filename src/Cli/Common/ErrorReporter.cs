namespace RawBpf.Cli.Common;

/// <summary>
/// How every RawBpf tool reports a failure: one line on stderr, <c>tool: problem; hint: …</c>, then the verifier
/// log's last lines when the failure carries one; exit code 1. Never a stack trace, a .NET type name (but for a
/// bug) or a raw resource key (the AOT tools use UseSystemResourceKeys, so .NET's own messages are keys).
/// </summary>
public static class ErrorReporter
{
    /// <summary>Prints <paramref name="error"/> and returns <see cref="ExitCodes.RuntimeError"/>.</summary>
    public static int Report(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Console.Error.WriteLine($"{CliRunner.ToolName}: {Describe(error)}");
        if (error is RawBpfException { LogTail.Length: > 0 } failure)
        {
            Console.Error.WriteLine("verifier log (last lines):");
            foreach (var line in failure.LogTail.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Console.Error.WriteLine("  " + line);
        }
        return ExitCodes.RuntimeError;
    }

    /// <summary>The failure as one line: the problem, then each hint (found now, not when it was thrown).</summary>
    private static string Describe(Exception error) => error switch
    {
        RawBpfException failure => string.Concat([OneLine(failure.Problem), .. failure.Hints.Select(hint => "; hint: " + OneLine(hint))]),
        // The BCL types the libraries use for a misused API, or that file access throws: their messages are ours
        // or .NET's, and .NET's are resource keys in the AOT tools.
        FileNotFoundException { FileName: { } file } when IsResourceKey(error) => $"{file}: no such file",
        DirectoryNotFoundException when IsResourceKey(error) => "no such file or directory",
        UnauthorizedAccessException when IsResourceKey(error) => "permission denied",
        IOException when IsResourceKey(error) => "input/output error",
        ArgumentException or KeyNotFoundException or InvalidOperationException or NotSupportedException or FormatException
            or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception => OneLine(WithoutParameterName(error)),
        // Anything else is a bug: named by its type so that a report of it is actionable.
        _ => $"internal error: {error.GetType().Name}: {OneLine(error.Message)}",
    };

    /// <summary>A message's lines (a call, then its hints) joined into one.</summary>
    private static string OneLine(string text) =>
        string.Join("; ", text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>An ArgumentException's message without the " (Parameter 'x')" .NET appends, which names code, not input.</summary>
    private static string WithoutParameterName(Exception error)
    {
        var message = error.Message;
        if (error is ArgumentException { ParamName: { } parameter })
        {
            foreach (var suffix in (string[])[$" (Parameter '{parameter}')", $" Arg_ParamName_Name, {parameter}"])
            {
                if (message.EndsWith(suffix, StringComparison.Ordinal))
                    return message[..^suffix.Length];
            }
        }
        return message;
    }

    /// <summary>True for a message such as "IO_FileNotFound_FileName, /x": a key, as UseSystemResourceKeys leaves them.</summary>
    private static bool IsResourceKey(Exception error)
    {
        var message = error.Message;
        var comma = message.IndexOf(',', StringComparison.Ordinal);
        var key = comma < 0 ? message : message[..comma];
        return key.Length > 0 && char.IsAsciiLetter(key[0]) && key.Contains('_', StringComparison.Ordinal)
            && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }
}
