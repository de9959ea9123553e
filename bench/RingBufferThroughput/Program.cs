using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;

namespace RawBpf.Bench.RingBufferThroughput;

/// <summary>
/// Records per second through RawBpf's <see cref="RingBuffer"/> and its CPU per record, against the same
/// producer (bench/ringbuf/ringbuf_bench.bpf.c) as bench/ringbuf/ringbuf_libbpf.c. Two measurements:
/// <list type="bullet">
/// <item>live: producer threads call getppid() in a loop for a while; this thread waits and consumes
/// (<see cref="RingBuffer.Poll"/>, the default kernel wake-ups) as a reader in a tool would;</item>
/// <item>drain: the ring is filled first, then one <see cref="RingBuffer.Consume"/> reads it all: the reader's own
/// cost per record, without scheduling noise.</item>
/// </list>
/// Usage: RingBufferThroughput OBJECT [SECONDS=3] [PRODUCERS=1]
/// </summary>
internal static partial class Program
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID
    private const int DrainRounds = 15;

    private struct Totals
    {
        public long Records;
        public ulong SeqSum;
    }

    private static int Main(string[] args)
    {
        var objectPath = args.Length > 0 ? args[0] : "artifacts/bench/ringbuf_bench.bpf.o";
        var seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        var producers = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1;

        using var bench = BpfObject.Open(objectPath);
        bench.SetVariable("target_tgid", (uint)Environment.ProcessId);
        bench.Load();
        bench.Attach("produce");
        using var ring = new RingBuffer(bench.GetMap("records"));
        var bss = bench.Maps.Values.Single(m => m.Name.EndsWith(".bss", StringComparison.Ordinal));

        Live(ring, bss, seconds, producers);
        Drain(ring, bss);
        return 0;
    }

    private static void Live(RingBuffer ring, BpfMap bss, double seconds, int producers)
    {
        var stop = false;
        var threads = Enumerable.Range(0, producers).Select(_ => new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
                _ = GetParentPid();
        })).ToArray();
        var (producedBefore, droppedBefore) = Counters(bss);
        var totals = new Totals();
        foreach (var thread in threads)
            thread.Start();
        var cpuBefore = ThreadCpuNs();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(seconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
            ring.Poll(ref totals, Handle, 100);
        Volatile.Write(ref stop, true);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        foreach (var thread in threads)
            thread.Join();
        ring.Consume(ref totals, Handle);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpu = (ThreadCpuNs() - cpuBefore) / 1e9;
        var (produced, dropped) = Counters(bss);
        Console.WriteLine($"rawbpf live: {totals.Records} records in {elapsed:F2} s: {totals.Records / elapsed:F0}/s, " +
            $"consumer CPU {cpu:F3} s ({cpu * 1e9 / Math.Max(1, totals.Records):F1} ns/record), " +
            $"produced {produced - producedBefore}, dropped {dropped - droppedBefore}, " +
            $"allocated {allocated} B ({(double)allocated / Math.Max(1, totals.Records):F3} B/record)");
    }

    private static void Drain(RingBuffer ring, BpfMap bss)
    {
        var perRecordNs = new List<double>();
        long allocated = 0;
        long records = 0;
        // 8 records of 64 ring bytes per call: fill the ring to 3/4 so no reservation fails.
        var calls = ring.DataSize / 64 / 8 * 3 / 4;
        for (var round = 0; round < DrainRounds; round++)
        {
            for (var i = 0; i < calls; i++)
                _ = GetParentPid();
            var totals = new Totals();
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = ThreadCpuNs();
            var count = ring.Consume(ref totals, Handle);
            var cpu = ThreadCpuNs() - cpuBefore;
            allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            records += count;
            if (round > 0) // the first round warms the mapping's pages and the code
                perRecordNs.Add((double)cpu / Math.Max(1, count));
        }
        perRecordNs.Sort();
        Console.WriteLine($"rawbpf drain: {records} records in {DrainRounds} rounds, median {perRecordNs[perRecordNs.Count / 2]:F1} ns/record, " +
            $"best {perRecordNs[0]:F1} ns/record, allocated {allocated} B, dropped {Counters(bss).Dropped}");
    }

    /// <summary>What a reader does at the least: look at the record. Sums a field so the read is not optimized away.</summary>
    private static void Handle(ref Totals totals, ReadOnlySpan<byte> record)
    {
        totals.SeqSum += BinaryPrimitives.ReadUInt64LittleEndian(record);
        totals.Records++;
    }

    private static (ulong Produced, ulong Dropped) Counters(BpfMap bss)
    {
        Span<byte> key = stackalloc byte[4];
        Span<byte> value = stackalloc byte[(int)bss.ValueSize];
        if (!bss.TryLookup(key, value))
            return (0, 0);
        // clang placed `dropped` at .bss offset 0 and `produced` at 8 (llvm-objdump -t ringbuf_bench.bpf.o).
        return (BinaryPrimitives.ReadUInt64LittleEndian(value[8..]), BinaryPrimitives.ReadUInt64LittleEndian(value));
    }

    private static unsafe long ThreadCpuNs()
    {
        long* timespec = stackalloc long[2];
        _ = ClockGetTime(ClockThreadCpuTime, timespec);
        return timespec[0] * 1_000_000_000 + timespec[1];
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentPid();

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static unsafe partial int ClockGetTime(int clock, long* timespec);
}
