using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using RawBpf.BtfCore;
using RawBpf.BtfCore.Core;
using RawBpf.Loader.Host;
using RawBpf.Uapi;

namespace RawBpf.Bench;

/// <summary>
/// CO-RE relocation of the exitsnoop object against the running kernel's BTF. Cold, the real start-up path: a
/// parsed vmlinux without a name index (relocation never builds one; the setup checks it stays so), a new
/// relocator per run, so the candidates of every root type are found by one pass over vmlinux's types.
/// Parse + relocate: the same from the bytes of vmlinux, as rawexitsnoop does at start-up. Indexed: vmlinux
/// whose essential-name index another caller already built (the relocator ignores it; for comparison).
/// Run: dotnet run -c Release --project bench/RawBpf.Bench -- --filter '*CoreBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class CoreBenchmarks
{
    private byte[] _vmlinuxBytes = [];
    private Btf _vmlinux = null!;
    private Btf _indexedVmlinux = null!;
    private Btf _localBtf = null!;
    private BtfExt _ext = null!;
    private (string Name, BpfInstruction[] Instructions)[] _sections = [];
    private BpfInstruction[][] _scratch = [];

    [GlobalSetup]
    public void Setup()
    {
        _vmlinuxBytes = File.ReadAllBytes(BtfFileReader.VmlinuxPath);
        _vmlinux = Btf.Parse(_vmlinuxBytes, sectionName: BtfFileReader.VmlinuxPath);
        _indexedVmlinux = Btf.Parse(_vmlinuxBytes, sectionName: BtfFileReader.VmlinuxPath);
        _ = _indexedVmlinux.FindByEssentialName("task_struct"u8).MoveNext();
        var objectPath = Path.Combine(FindRepoRoot(), "artifacts/bpf/exitsnoop.bpf.o");
        var elf = File.ReadAllBytes(objectPath);
        _localBtf = Btf.Parse(Section(elf, ".BTF"));
        _ext = BtfExt.Parse(Section(elf, ".BTF.ext"), _localBtf);
        // The tracepoint entry only: rawexitsnoop loads one of the object's two entry points (tp/ or raw_tp/),
        // and relocates that one, so the figure stays the one program's it always was.
        _sections = _ext.CoreRelocations.Sections
            .Where(s => s.SectionName == "tp/sched/sched_process_exit")
            .Select(s => (s.SectionName, MemoryMarshal.Cast<byte, BpfInstruction>(Section(elf, s.SectionName).Span).ToArray()))
            .ToArray();
        _scratch = _sections.Select(s => new BpfInstruction[s.Instructions.Length]).ToArray();
        Relocate(_vmlinux);
        if (_vmlinux.HasNameIndex)
            throw new InvalidOperationException("relocating built the vmlinux name index: the cold case would not be cold");
    }

    [Benchmark(Baseline = true, Description = "exitsnoop CO-RE, cold (parsed vmlinux, no name index)")]
    public int Cold() => Relocate(_vmlinux);

    [Benchmark(Description = "parse vmlinux (from memory) + exitsnoop CO-RE")]
    public int ParseAndRelocate()
    {
        var vmlinux = Btf.Parse(_vmlinuxBytes, sectionName: BtfFileReader.VmlinuxPath);
        return Relocate(vmlinux);
    }

    [Benchmark(Description = "exitsnoop CO-RE, vmlinux name index already built")]
    public int Indexed() => Relocate(_indexedVmlinux);

    private int Relocate(Btf vmlinux)
    {
        var relocator = new CoreRelocator(_localBtf, _ext, [vmlinux]);
        var count = 0;
        for (var i = 0; i < _sections.Length; i++)
        {
            _sections[i].Instructions.CopyTo(_scratch[i], 0);
            count += relocator.ApplySection(_sections[i].Name, _scratch[i]).Count;
        }
        return count;
    }

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RawBpf.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("RawBpf.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A section of a little-endian ELF64 file by name (the benchmark's objects are trusted).</summary>
    private static ReadOnlyMemory<byte> Section(byte[] elf, string name)
    {
        var table = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3c));
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3e));
        var namesOffset = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(table + namesIndex * 64 + 0x18));
        var wanted = Encoding.ASCII.GetBytes(name + "\0");
        for (var i = 0; i < count; i++)
        {
            var header = table + i * 64;
            var nameOffset = namesOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(header));
            if (elf.AsSpan(nameOffset).StartsWith(wanted))
            {
                var offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(header + 0x18));
                var size = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(header + 0x20));
                return elf.AsMemory(offset, size);
            }
        }
        throw new InvalidOperationException($"no section {name}");
    }
}
