using BenchmarkDotNet.Attributes;
using RawBpf.BtfCore;
using RawBpf.Loader.Host;
using RawBpf.Uapi;

namespace RawBpf.Bench;

/// <summary>
/// The kernel's BTF: parse + one lookup by name (the first builds the essential-name index, lazily), the parse
/// alone (what CO-RE needs: it finds candidates without the index), the full dump.
/// </summary>
[MemoryDiagnoser]
public class BtfBenchmarks
{
    private Btf _vmlinux = null!;

    [GlobalSetup]
    public void Setup() => _vmlinux = BtfFileReader.Load(BtfFileReader.VmlinuxPath);

    [GlobalCleanup]
    public void Cleanup() => _vmlinux.Dispose();

    [Benchmark(Description = "parse vmlinux (no name index)")]
    public int Parse()
    {
        using var btf = BtfFileReader.Load(BtfFileReader.VmlinuxPath);
        return btf.LastTypeId;
    }

    [Benchmark(Description = "parse vmlinux + find task_struct (builds the name index)")]
    public int ParseAndFindTaskStruct()
    {
        using var btf = BtfFileReader.Load(BtfFileReader.VmlinuxPath);
        return btf.FindTypeId("task_struct", BtfKind.Struct);
    }

    [Benchmark(Description = "parse vmlinux + essential-name lookup (builds the name index)")]
    public int ParseAndIndex()
    {
        using var btf = BtfFileReader.Load(BtfFileReader.VmlinuxPath);
        var found = 0;
        foreach (var id in btf.FindByEssentialName("task_struct___v2"u8))
            found = id;
        return found;
    }

    [Benchmark(Description = "dump vmlinux (bpftool raw format) to Stream.Null")]
    public void DumpVmlinux() => BtfDumper.Write(_vmlinux, Stream.Null);
}
