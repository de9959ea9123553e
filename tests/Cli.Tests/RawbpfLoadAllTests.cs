using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>
/// <c>rawbpf prog loadall</c> against <c>bpftool prog loadall</c> (libbpf) on the same objects: the loaded programs
/// must read the same after the verifier (<c>prog dump xlated</c>, source lines included), and compute the same
/// values when run the same way.
/// </summary>
public sealed partial class RawbpfLoadAllTests
{
    /// <summary>Every object the CO-RE item names, with the programs it holds.</summary>
    public static TheoryData<string, string[]> LoadableObjects => new()
    {
        { "tests/core_fields.bpf.o", ["core_fields"] },
        { "tests/core_types.bpf.o", ["core_types"] },
        { "tests/core_type_matches.bpf.o", ["core_type_matches"] },
        { "tests/multi_prog.bpf.o", ["prog_enter", "prog_exit"] },
        { "tests/ringbuf_records.bpf.o", ["emit_records"] },
        { "exitsnoop.bpf.o", ["handle_exit", "handle_exit_raw"] },
    };

    /// <summary>raw_tp objects BPF_PROG_TEST_RUN can run (current is then the caller); each writes what it computed into globals.</summary>
    public static TheoryData<string, string[]> RunnableObjects => new()
    {
        { "tests/core_fields.bpf.o", ["core_fields"] },
        { "tests/core_types.bpf.o", ["core_types"] },
        { "tests/core_type_matches.bpf.o", ["core_type_matches"] },
        { "tests/multi_prog.bpf.o", ["prog_enter", "prog_exit"] },
    };

    [Theory]
    [MemberData(nameof(LoadableObjects))]
    public void Xlated_programs_are_identical_to_libbpfs(string objectName, string[] programs)
    {
        using var pins = new PinDirectories();
        var objectPath = Path.Combine(RepoPaths.BpfObjects, objectName);
        pins.LoadBoth(objectPath);

        Assert.Equal(programs.Order(StringComparer.Ordinal), Directory.GetFiles(pins.Libbpf).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(programs.Order(StringComparer.Ordinal), Directory.GetFiles(pins.Rawbpf).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var program in programs)
        {
            var expected = Xlated(Path.Combine(pins.Libbpf, program));
            var actual = Xlated(Path.Combine(pins.Rawbpf, program));
            // func_info/line_info reached the kernel: the dump interleaves "; source" lines.
            Assert.Contains("\n; ", expected, StringComparison.Ordinal);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(RunnableObjects))]
    public void Runs_compute_the_same_globals_and_maps_as_libbpfs(string objectName, string[] programs)
    {
        using var pins = new PinDirectories();
        var objectPath = Path.Combine(RepoPaths.BpfObjects, objectName);
        pins.LoadBoth(objectPath);

        // One bpftool process runs both copies: the same `current` (pid, comm, start time, a single thread).
        var batch = Path.Combine(pins.Scratch, "run.batch");
        File.WriteAllLines(batch, programs.SelectMany(p => new[]
        {
            $"prog run pinned {Path.Combine(pins.Libbpf, p)} repeat 0",
            $"prog run pinned {Path.Combine(pins.Rawbpf, p)} repeat 0",
        }));
        ExternalTool.RunChecked("bpftool", "batch", "file", batch);

        var mapNames = Directory.GetFiles(pins.LibbpfMaps).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(mapNames, Directory.GetFiles(pins.RawbpfMaps).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains(mapNames, n => n!.EndsWith("_bss", StringComparison.Ordinal));
        foreach (var map in mapNames)
        {
            var expected = MapContents(Path.Combine(pins.LibbpfMaps, map!));
            var actual = MapContents(Path.Combine(pins.RawbpfMaps, map!));
            if (expected is null)
                continue; // perf event array, timestamps: nothing comparable
            Assert.True(expected.Count > 0, $"{objectName}: libbpf's {map} is empty");
            Assert.Equal(expected, actual);
            if (map!.EndsWith("_bss", StringComparison.Ordinal))
                Assert.Matches("[1-9a-f]", expected.Values.Single()); // the run wrote something
        }
    }

    [Fact]
    public void Explain_narrates_each_system_call_on_stderr()
    {
        using var pins = new PinDirectories();
        var result = RawbpfProcess.Run("prog", "loadall", Path.Combine(RepoPaths.TestBpfObjects, "core_types.bpf.o"), pins.Rawbpf, "--explain");
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        var lines = result.StandardError.TrimEnd('\n').Split('\n');
        Assert.Contains(lines, l => l.StartsWith("bpf(BPF_BTF_LOAD", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("bpf(BPF_MAP_CREATE", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("bpf(BPF_PROG_LOAD", StringComparison.Ordinal) && l.Contains("core_types", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("bpf(BPF_OBJ_PIN", StringComparison.Ordinal) && l.Contains(pins.Rawbpf, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Matches(@"^[a-z_0-9]+\(.*\) = ", l));
    }

    [Fact]
    public void Kernel_btf_from_a_file_loads_the_same_program()
    {
        using var pins = new PinDirectories();
        var objectPath = Path.Combine(RepoPaths.TestBpfObjects, "core_fields.bpf.o");
        var fromSysfs = RawbpfProcess.Run("prog", "loadall", objectPath, pins.Rawbpf);
        var fromFile = RawbpfProcess.Run("prog", "loadall", objectPath, pins.Libbpf, "--btf", "/sys/kernel/btf/vmlinux");
        Assert.Equal(0, fromSysfs.ExitCode);
        Assert.Equal(0, fromFile.ExitCode);
        Assert.Equal(Xlated(Path.Combine(pins.Rawbpf, "core_fields")), Xlated(Path.Combine(pins.Libbpf, "core_fields")));
    }

    [Fact]
    public void Missing_kernel_btf_file_is_one_line_and_exit_code_1()
    {
        using var pins = new PinDirectories();
        var result = RawbpfProcess.Run("prog", "loadall", Path.Combine(RepoPaths.TestBpfObjects, "core_fields.bpf.o"), pins.Rawbpf, "--btf", "/nonexistent/vmlinux");
        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.StandardError.TrimEnd('\n').Split('\n'));
        Assert.Contains("/nonexistent/vmlinux", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(pins.Rawbpf) && Directory.EnumerateFileSystemEntries(pins.Rawbpf).Any());
    }

    /// <summary>The verifier's view of a pinned program, with what differs between two loads of it (map ids) normalised.</summary>
    internal static string Xlated(string pinnedProgram)
    {
        var text = System.Text.Encoding.UTF8.GetString(ExternalTool.RunChecked("bpftool", "prog", "dump", "xlated", "pinned", pinnedProgram));
        return MapId().Replace(text, "map[id:N]");
    }

    /// <summary>
    /// A pinned map as bpftool dumps it, key → value bytes; per-CPU values summed (the run's CPU may differ). Null
    /// for maps whose contents differ between any two runs (perf event arrays, a timestamp map).
    /// </summary>
    private static SortedDictionary<string, string>? MapContents(string pinnedMap)
    {
        var name = Path.GetFileName(pinnedMap);
        if (name is "perf_events" or "last_call_per_cpu")
            return null;
        using var dump = JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "map", "dump", "pinned", pinnedMap, "-j"));
        var contents = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in dump.RootElement.EnumerateArray())
        {
            var key = Hex(entry.GetProperty("key"));
            if (entry.TryGetProperty("values", out var perCpu))
            {
                var sum = perCpu.EnumerateArray().Sum(v => (long)BitConverter.ToUInt64(Bytes(v.GetProperty("value"))));
                contents[key] = sum.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                contents[key] = Hex(entry.GetProperty("value"));
            }
        }
        return contents;
    }

    private static byte[] Bytes(JsonElement hexBytes) =>
        hexBytes.EnumerateArray().Select(b => Convert.ToByte(b.GetString()!, 16)).ToArray();

    private static string Hex(JsonElement hexBytes) => Convert.ToHexStringLower(Bytes(hexBytes));

    [GeneratedRegex(@"map\[id:\d+\]")]
    private static partial Regex MapId();
}

/// <summary>rawbpf run as a separate process (the build's rawbpf.dll), as a user runs it.</summary>
internal static class RawbpfProcess
{
    private static readonly string CliAssembly = typeof(RawbpfProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RawBpfCliAssembly").Value!;

    public static ExternalTool.Result Run(params string[] arguments) => ExternalTool.Run("dotnet", [CliAssembly, .. arguments]);
}

/// <summary>
/// A unique directory under /sys/fs/bpf for one test: pins of libbpf's (bpftool's) and rawbpf's loads side by
/// side, removed again afterwards (unpinning lets the kernel free the programs and maps).
/// </summary>
internal sealed class PinDirectories : IDisposable
{
    /// <param name="tag">In the directory's name, to tell whose pins they are (e.g. a branch's tests).</param>
    public PinDirectories(string tag = "test")
    {
        BpfFs.EnsureMounted();
        Root = Path.Combine(BpfFs.Path, $"rawbpf-{tag}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
        Scratch = Directory.CreateTempSubdirectory("rawbpf-test-").FullName;
    }

    public string Root { get; }
    public string Libbpf => Path.Combine(Root, "libbpf");
    public string LibbpfMaps => Path.Combine(Root, "libbpf-maps");
    public string Rawbpf => Path.Combine(Root, "rawbpf");
    public string RawbpfMaps => Path.Combine(Root, "rawbpf-maps");

    /// <summary>An ordinary directory for files a test writes (bpffs holds only pins).</summary>
    public string Scratch { get; }

    /// <summary>Loads the object with bpftool and with rawbpf, programs and maps pinned; both must succeed.</summary>
    public void LoadBoth(string objectPath)
    {
        ExternalTool.RunChecked("bpftool", "prog", "loadall", objectPath, Libbpf, "pinmaps", LibbpfMaps);
        var result = RawbpfProcess.Run("prog", "loadall", objectPath, Rawbpf, "--pinmaps", RawbpfMaps);
        Assert.True(result.ExitCode == 0, $"rawbpf prog loadall {objectPath} exited {result.ExitCode}: {result.StandardError}");
        Assert.Equal("", result.StandardError);
        Assert.Empty(result.StandardOutput);
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
        Directory.Delete(Scratch, recursive: true);
    }
}
