using System.Diagnostics;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests.Core;

/// <summary>
/// The libbpf oracle's inputs: BPF sources of tests/oracle compiled with a given clang, the build's objects and
/// the kernel's BTF. The run (tests/oracle/libbpf_insns.c, built with cc against libbpf 1.1, parsing what libbpf
/// did) loads into the kernel and so is the other half of this class, in Loader.Tests/Oracle.
/// </summary>
internal static partial class LibbpfOracle
{
    private static readonly Lazy<Btf> VmlinuxBtf = new(() => BtfFiles.Read(BtfFiles.Vmlinux));

    public static Btf Vmlinux => VmlinuxBtf.Value;

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string WorkDirectory { get; } = CreateWorkDirectory();

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RawBpf.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("RawBpf.sln not found above " + AppContext.BaseDirectory);
    }

    private static string CreateWorkDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"rawbpf-core-oracle-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Compiles tests/oracle/<paramref name="name"/>.bpf.c (or .c for a target BTF) with the given clang.</summary>
    public static string CompileOracleSource(string name, string compiler = "clang", string? outputName = null)
    {
        var source = Path.Combine(RepoRoot, "tests/oracle", name);
        var output = Path.Combine(WorkDirectory, (outputName ?? Path.GetFileNameWithoutExtension(name)) + ".o");
        var include = Path.Combine(RepoRoot, "bpf/include");
        Run(compiler, $"-target bpf -O2 -g -Wall -Werror -I{include} -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu -c {source} -o {output}");
        return output;
    }

    /// <summary>A clang-built object of the build (artifacts/bpf/...), e.g. "tests/core_fields.bpf.o".</summary>
    public static string BuiltObject(string relativePath)
    {
        var path = Path.Combine(RepoRoot, "artifacts/bpf", relativePath);
        Assert.True(File.Exists(path), $"{path} is missing: dotnet build builds it (bpf/bpf.proj)");
        return path;
    }

    private static string Run(string program, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {arguments} failed ({process.ExitCode}): {stderr}");
        return stdout.Result;
    }
}
