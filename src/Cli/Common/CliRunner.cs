using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using System.Text;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Objects;

namespace RawBpf.Cli.Common;

/// <summary>The exit codes every RawBpf tool uses.</summary>
public static class ExitCodes
{
    /// <summary>Done, stopped by a signal, or the output's reader left (`| head`, a closed stdout, a hung-up terminal).</summary>
    public const int Success = 0;

    /// <summary>The work failed: a bad file, a refused syscall, an unreadable path.</summary>
    public const int RuntimeError = 1;

    /// <summary>The command line was wrong (unknown option, missing or malformed value).</summary>
    public const int Usage = 2;
}

/// <summary>
/// Runs a System.CommandLine root command the same way in every tool: usage errors go to stderr in a Unix
/// tool's words with exit code 2, a failed action prints one line (<c>tool: message</c>, never a stack trace)
/// and exits 1, and a closed standard output ends the run like `| head` does, with 0.
/// </summary>
public static class CliRunner
{
    /// <summary>
    /// The first call of Main: standard streams written with write(2) (<see cref="StandardStream"/>), closed ones
    /// reserved, and a last-resort guard so that no exception reaches the runtime's handler (which aborts).
    /// </summary>
    public static void Prepare()
    {
        StandardStream.ReserveClosedDescriptors();
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        Console.SetOut(new StreamWriter(StandardStream.Output, utf8) { AutoFlush = true });
        Console.SetError(new StreamWriter(StandardStream.Error, utf8) { AutoFlush = true });
        AppDomain.CurrentDomain.UnhandledException += static (_, e) =>
        {
            ReportFailure(e.ExceptionObject as Exception ?? new InvalidOperationException("unknown failure"));
            Environment.Exit(ExitCodes.RuntimeError);
        };
    }

    /// <summary>The tool's name as it was started (also under `dotnet rawbpf.dll`): every message starts with it.</summary>
    public static string ToolName => RootCommand.ExecutableName;

    public static int Run(RootCommand root, string[] args)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
                version.Action = new PrintVersion();
        }
        try
        {
            var result = root.Parse(args);
            if (result.Errors.Count > 0)
                return ReportUsageErrors(result);
            // Signals are the tools' own business (a second one must not complete the invocation twice).
            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (StandardStreamClosedException)
        {
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return ReportFailure(e);
        }
    }

    /// <summary>One line per error, as a Unix tool words it, then where to read more; exit code 2.</summary>
    private static int ReportUsageErrors(ParseResult result)
    {
        var unmatched = result.UnmatchedTokens;
        foreach (var token in unmatched)
            Console.Error.WriteLine(token.StartsWith('-') ? $"{ToolName}: unknown option '{token}'" : $"{ToolName}: unexpected argument '{token}'");
        foreach (var error in result.Errors)
        {
            if (unmatched.Any(token => error.Message.Contains($"'{token}'", StringComparison.Ordinal)))
                continue; // said above
            Console.Error.WriteLine($"{ToolName}: {Describe(error, result)}");
        }
        Console.Error.WriteLine($"Try '{ToolName} --help' for more information.");
        return ExitCodes.Usage;
    }

    /// <summary>The parser's own errors in a Unix tool's words; the tools' parsers and validators word theirs already.</summary>
    private static string Describe(ParseError error, ParseResult result) => error.SymbolResult switch
    {
        OptionResult { Tokens.Count: 0, Implicit: false } option => $"option '{option.IdentifierToken?.Value ?? option.Option.Name}' needs a value",
        ArgumentResult { Tokens.Count: 0 } argument => $"{Subject(result)}missing {argument.Argument.Name}",
        CommandResult { Command: { Action: null, Subcommands.Count: > 0 } command } =>
            $"{Subject(result)}missing command ({string.Join(", ", command.Subcommands.Select(subcommand => subcommand.Name))})",
        _ => error.Message,
    };

    /// <summary>`btf dump` for `rawbpf btf dump`: the subcommands that were given; empty for the root.</summary>
    private static string CommandPath(ParseResult result)
    {
        var names = new List<string>();
        for (SymbolResult? symbol = result.CommandResult; symbol is CommandResult { Parent: not null } command; symbol = command.Parent)
            names.Insert(0, command.Command.Name);
        return string.Join(' ', names);
    }

    private static string Subject(ParseResult result) => CommandPath(result) is { Length: > 0 } path ? path + ": " : "";

    /// <summary>Prints <paramref name="error"/> as one line on stderr and returns <see cref="ExitCodes.RuntimeError"/>.</summary>
    public static int ReportFailure(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        // Our own exceptions (format errors, I/O, syscalls) carry a message written for the user; anything else
        // is a bug, named by its type so a report is actionable.
        var expected = error is FormatException or IOException or UnauthorizedAccessException
            or System.ComponentModel.Win32Exception or InvalidOperationException or NotSupportedException
            or LinuxSyscallException or BpfObjectLoadException;
        var message = OneLine(error.Message);
        Console.Error.WriteLine(expected ? $"{ToolName}: {message}" : $"{ToolName}: internal error: {error.GetType().Name}: {message}");
        return ExitCodes.RuntimeError;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    /// <summary>`tool 1.0.0 (commit)`: the commit the build was made from, when git could say (SourceLink's SourceRevisionId).</summary>
    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var informational = typeof(CliRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            var version = plus < 0 ? informational : informational[..plus];
            // Without git at build time there is no SourceRevisionId, and so no '+'.
            var commit = plus < 0 ? "commit unknown" : informational[(plus + 1)..];
            if (plus >= 0 && commit.Length > 12)
                commit = commit[..12];
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ToolName} {version} ({commit})"));
            return ExitCodes.Success;
        }
    }
}
