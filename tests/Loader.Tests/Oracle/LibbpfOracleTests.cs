using System.Text;
using System.Text.Json;
using RawBpf.Uapi;

namespace RawBpf.Elf.Tests;

/// <summary>
/// Cross-checks against libbpf 1.1 through bpftool: it loads each object, and the kernel then reports the maps
/// libbpf created (name, type, sizes, flags), the programs (name, type) and the BTF libbpf fixed up.
/// </summary>
public class LibbpfOracleTests
{
    public static TheoryData<string> LoadableObjects()
    {
        var data = new TheoryData<string>();
        foreach (var path in TestObjects.AllObjects())
        {
            var name = Path.GetFileName(path);
            // Objects under rejected/ exist to be refused by the verifier, as verifier_reject does.
            var rejected = Path.GetFileName(Path.GetDirectoryName(path)) == "rejected";
            // optional_programs holds only SEC("?...") programs, which bpftool 7.1 fails to pin as libbpf leaves them
            // unloaded; net_attach has tcx/ sections, which libbpf 1.1 (this bpftool's) does not know; fentry_counts
            // and fentry_module need trampolines this host refuses (EPERM, libbpf too); libbpf 1.1 predates uprobe.multi and .struct_ops.link.
            if (!rejected && name is not ("verifier_reject.bpf.o" or "minimal.bpf.o" or "optional_programs.bpf.o" or "net_attach.bpf.o"
                or "fentry_counts.bpf.o" or "fentry_module.bpf.o" or "uprobe_multi_counts.bpf.o" or "struct_ops_link.bpf.o"
                or "struct_ops_cli_link.bpf.o"))
                data.Add(name);
        }
        data.Add("elf_features");
        return data;
    }

    private static string PathOf(string name) => name.EndsWith(".o", StringComparison.Ordinal)
        ? TestObjects.Object(name)
        : TestObjects.Compile(name + ".bpf.c");

    [Theory]
    [MemberData(nameof(LoadableObjects))]
    public void MapsProgramsAndBtfMatchWhatLibbpfLoads(string name)
    {
        var path = PathOf(name);
        var obj = TestObjects.Load(path);
        using var loaded = BpftoolLoad.Run(path);

        // Programs: every entry point, with its type.
        var expectedPrograms = obj.Programs.Select(p => $"{p.Name}:{Snake(p.Info!.ProgramType.ToString())}").Order().ToList();
        Assert.Equal(expectedPrograms, loaded.Programs.Select(p => $"{p.Name}:{p.Type}").Order().ToList());

        // Maps: libbpf creates each definition (inner map templates are not kept), the kernel reports them.
        var kernelMaps = loaded.Maps.ToDictionary(m => m.Name);
        foreach (var map in obj.Maps)
        {
            Assert.True(kernelMaps.TryGetValue(map.KernelName, out var kernel), $"libbpf created no map '{map.KernelName}'; it has {string.Join(", ", kernelMaps.Keys)}");
            Assert.Equal(Snake(map.Type.ToString()), kernel!.Type);
            Assert.Equal(map.KeySize, kernel.KeySize);
            // A struct_ops map's value is the kernel's struct bpf_struct_ops_<name>, found at load (StructOpsTests).
            if (map.Type != BpfMapType.StructOps)
                Assert.Equal(map.ValueSize, kernel.ValueSize);
            // libbpf sets a perf event array's max_entries 0 to the number of CPUs at load time.
            if (!(map.Type == BpfMapType.PerfEventArray && map.MaxEntries == 0))
                Assert.Equal(map.MaxEntries, kernel.MaxEntries);
            Assert.Equal(map.Flags, (BpfMapFlags)kernel.Flags);
        }
        Assert.Equal(obj.Maps.Count, kernelMaps.Count);

        // BTF: the fixed-up DATASECs equal what libbpf handed to the kernel.
        var fixedBtf = BtfFixup.CreateKernelBtf(obj)!;
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, fixedBtf);
            var ours = TestObjects.Run("bpftool", "btf", "dump", "file", file);
            var theirs = TestObjects.Run("bpftool", "btf", "dump", "id", loaded.BtfId.ToString());
            Assert.Equal(theirs, ours);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Snake(string pascal)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
                builder.Append('_');
            builder.Append(char.ToLowerInvariant(pascal[i]));
        }
        return builder.ToString();
    }
}

/// <summary>`bpftool prog loadall` into a fresh bpffs directory; disposing unpins (the kernel frees the objects).</summary>
internal sealed class BpftoolLoad : IDisposable
{
    public sealed record Program(string Name, string Type, int[] MapIds, int BtfId);
    public sealed record Map(string Name, string Type, uint KeySize, uint ValueSize, uint MaxEntries, uint Flags);

    private readonly string _directory;

    private BpftoolLoad(string directory) => _directory = directory;

    public List<Program> Programs { get; } = [];
    public List<Map> Maps { get; } = [];
    public int BtfId => Programs[0].BtfId;

    public static BpftoolLoad Run(string objectPath)
    {
        EnsureBpffs();
        var directory = $"/sys/fs/bpf/rawbpf-elf-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var load = new BpftoolLoad(directory);
        Directory.CreateDirectory(directory);
        TestObjects.Run("bpftool", "prog", "loadall", objectPath, directory + "/progs", "pinmaps", directory + "/maps");
        foreach (var pin in Directory.EnumerateFiles(directory + "/progs"))
        {
            using var json = JsonDocument.Parse(TestObjects.Run("bpftool", "-j", "prog", "show", "pinned", pin));
            var root = json.RootElement;
            var ids = root.TryGetProperty("map_ids", out var mapIds) ? mapIds.EnumerateArray().Select(e => e.GetInt32()).ToArray() : [];
            load.Programs.Add(new Program(root.GetProperty("name").GetString()!, root.GetProperty("type").GetString()!, ids, root.GetProperty("btf_id").GetInt32()));
        }
        foreach (var pin in Directory.EnumerateFiles(directory + "/maps"))
        {
            using var json = JsonDocument.Parse(TestObjects.Run("bpftool", "-j", "map", "show", "pinned", pin));
            var m = json.RootElement;
            load.Maps.Add(new Map(m.GetProperty("name").GetString()!, m.GetProperty("type").GetString()!, m.GetProperty("bytes_key").GetUInt32(),
                m.GetProperty("bytes_value").GetUInt32(), m.GetProperty("max_entries").GetUInt32(), m.GetProperty("flags").GetUInt32()));
        }
        return load;
    }

    private static void EnsureBpffs()
    {
        if (!File.ReadAllText("/proc/mounts").Contains(" /sys/fs/bpf bpf ", StringComparison.Ordinal))
            TestObjects.Run("mount", "-t", "bpf", "bpf", "/sys/fs/bpf");
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
