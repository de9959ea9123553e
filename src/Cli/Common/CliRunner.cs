using System.CommandLine;

namespace RawBpf.Cli.Common;

/// <summary>The exit codes every RawBpf tool uses.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The work failed: a bad file, a refused syscall, an unreadable path.</summary>
    public const int RuntimeError = 1;

    /// <summary>The command line was wrong (unknown option, missing argument).</summary>
    public const int Usage = 2;
}

/// <summary>
/// Runs a System.CommandLine root command the same way in every tool: parse errors go to stderr with exit
/// code 2, a failed action prints one line (<c>tool: message</c>, never a stack trace) and exits 1.
/// </summary>
public static class CliRunner
{
    public static int Run(RootCommand root, string[] args)
    {
        ArgumentNullException.ThrowIfNull(root);
        var toolName = root.Name;
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
                Console.Error.WriteLine($"{toolName}: {error.Message}");
            Console.Error.WriteLine($"Try '{toolName} --help' for more information.");
            return ExitCodes.Usage;
        }
        try
        {
            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return ReportFailure(toolName, e);
        }
    }

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        ArgumentNullException.ThrowIfNull(root);
        var toolName = root.Name;
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
                await Console.Error.WriteLineAsync($"{toolName}: {error.Message}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"Try '{toolName} --help' for more information.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        try
        {
            return await result.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return ReportFailure(toolName, e);
        }
    }

    /// <summary>Prints <paramref name="error"/> as one line on stderr and returns <see cref="ExitCodes.RuntimeError"/>.</summary>
    public static int ReportFailure(string toolName, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        // Our own exceptions (format errors, I/O, syscalls) carry a message written for the user; anything else
        // is a bug, named by its type so a report is actionable.
        var expected = error is FormatException or IOException or UnauthorizedAccessException
            or System.ComponentModel.Win32Exception or InvalidOperationException or NotSupportedException
            or Loader.LinuxSyscallException or Loader.BpfObjectLoadException;
        var message = OneLine(error.Message);
        Console.Error.WriteLine(expected ? $"{toolName}: {message}" : $"{toolName}: internal error: {error.GetType().Name}: {message}");
        return ExitCodes.RuntimeError;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
