using System.Diagnostics;

namespace RawBpf.Tests.Shared;

/// <summary>Runs a program (an oracle such as bpftool, or a tool under test) and captures its output.</summary>
internal static class ExternalTool
{
    public sealed record Result(int ExitCode, byte[] StandardOutput, string StandardError)
    {
        public string StandardOutputText => System.Text.Encoding.UTF8.GetString(StandardOutput);
    }

    /// <summary>Runs <paramref name="fileName"/> to completion; stdout is kept as bytes for byte-exact comparisons.</summary>
    public static Result Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var error = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        return new Result(process.ExitCode, output.ToArray(), error.Result);
    }

    /// <summary>Runs and requires exit code 0, returning stdout.</summary>
    public static byte[] RunChecked(string fileName, params string[] arguments)
    {
        var result = Run(fileName, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StandardError}");
        return result.StandardOutput;
    }
}
