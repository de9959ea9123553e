using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;

namespace RawBpf.Bench;

/// <summary>
/// <see cref="RingBuffer.Consume"/> over a real BPF ring buffer: before each iteration the kernel fills the ring
/// (bench/ringbuf/ringbuf_bench.bpf.c: 8 records of 56 bytes per getppid() of this process, to 3/4 of 4 MiB),
/// then one Consume reads them all; the figure is per record. Root only. The object is built by
/// bench/ringbuf/run.sh (or: clang -target bpf -O2 -g -c bench/ringbuf/ringbuf_bench.bpf.c -o artifacts/bench/...).
/// Run: dotnet run -c Release --project bench/RawBpf.Bench -- --filter '*RingBufferConsumeBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public partial class RingBufferConsumeBenchmarks
{
    private const int RecordsPerCall = 8;
    private const int RingBytesPerRecord = 64;
    private const int Records = 4 * 1024 * 1024 / RingBytesPerRecord * 3 / 4;

    private BpfObject _producer = null!;
    private RingBuffer _ring = null!;

    private struct Totals
    {
        public long Records;
        public ulong SeqSum;
    }

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(FindRepoRoot(), "artifacts/bench/ringbuf_bench.bpf.o");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: run bench/ringbuf/run.sh once to build it");
        _producer = BpfObject.Open(path);
        _producer.SetVariable("target_tgid", (uint)Environment.ProcessId);
        _producer.Load();
        _producer.Attach("produce");
        _ring = new RingBuffer(_producer.GetMap("records"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ring.Dispose();
        _producer.Dispose();
    }

    [IterationSetup]
    public void Fill()
    {
        for (var i = 0; i < Records / RecordsPerCall; i++)
            _ = GetParentPid();
    }

    [Benchmark(Description = "RingBuffer.Consume, 64-byte records, per record", OperationsPerInvoke = Records)]
    public long ConsumeFullRing()
    {
        var totals = new Totals();
        _ring.Consume(ref totals, static (ref Totals t, ReadOnlySpan<byte> record) =>
        {
            t.SeqSum += BinaryPrimitives.ReadUInt64LittleEndian(record);
            t.Records++;
        });
        return totals.Records;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "bpf", "bpf.proj")))
                return dir.FullName;
        }

        return Directory.GetCurrentDirectory();
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentPid();
}
