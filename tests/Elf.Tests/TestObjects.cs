using System.Diagnostics;

namespace RawBpf.Elf.Tests;

/// <summary>Locates the clang-built objects and runs the command-line oracles (llvm-readelf, bpftool).</summary>
internal static class TestObjects
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string BpfDir => Path.Combine(RepoRoot, "artifacts", "bpf");

    /// <summary>Parses the object at <paramref name="path"/> (reading files is the Loader's: <c>BpfObject.Open</c>).</summary>
    public static BpfObjectFile Load(string path) => BpfObjectFile.Parse(File.ReadAllBytes(path), path);

    public static string Object(string name)
    {
        var path = Path.Combine(BpfDir, name);
        if (!File.Exists(path))
            path = Path.Combine(BpfDir, "tests", name);
        Assert.True(File.Exists(path), $"{name} was not built into {BpfDir}");
        return path;
    }

    public static IEnumerable<string> AllObjects() =>
        Directory.EnumerateFiles(BpfDir, "*.o", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RawBpf.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("repository root (RawBpf.sln) not found above " + AppContext.BaseDirectory);
    }

    public static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>Compiles a test program under tests/Elf.Tests/bpf with clang into a temporary object.</summary>
    public static string Compile(string source, string? clang = null)
    {
        var sourcePath = Path.Combine(RepoRoot, "tests", "Elf.Tests", "bpf", source);
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"rawbpf-elf-{Environment.ProcessId}"));
        var output = Path.Combine(directory.FullName, Path.ChangeExtension(source, ".o"));
        Run(clang ?? "clang", "-target", "bpf", "-O2", "-g", "-Wall", "-D__TARGET_ARCH_x86",
            "-I", Path.Combine(RepoRoot, "bpf", "include"), "-idirafter", "/usr/include/x86_64-linux-gnu",
            "-c", sourcePath, "-o", output);
        return output;
    }
}
