namespace RawBpf.Tests.Shared;

/// <summary>Where the repository and its build output are, found from the test assembly's directory.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The directory holding RawBpf.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>clang-built objects of bpf/*.bpf.c.</summary>
    public static string BpfObjects => Path.Combine(Root, "artifacts", "bpf");

    /// <summary>clang-built objects of tests/bpf/**/*.bpf.c.</summary>
    public static string TestBpfObjects => Path.Combine(Root, "artifacts", "bpf", "tests");

    /// <summary>A Native AOT tool published into artifacts/bin (src/Cli/publish.sh; tests/run.sh publishes them).</summary>
    public static string PublishedTool(string name)
    {
        var path = Path.Combine(Root, "artifacts", "bin", name);
        if (!File.Exists(path))
            throw new InvalidOperationException($"{path} is missing: these tests run the published binary; run src/Cli/publish.sh first (tests/run.sh does)");
        return path;
    }

    /// <summary>Every BPF object the build produced (the project's and the tests'), sorted by path.</summary>
    public static IReadOnlyList<string> AllBpfObjects()
    {
        if (!Directory.Exists(BpfObjects))
            throw new InvalidOperationException($"{BpfObjects} does not exist: build a project with NeedsBpfObjects first");
        var objects = Directory.GetFiles(BpfObjects, "*.bpf.o", SearchOption.AllDirectories);
        Array.Sort(objects, StringComparer.Ordinal);
        return objects;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RawBpf.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no RawBpf.sln above {AppContext.BaseDirectory}");
    }
}
