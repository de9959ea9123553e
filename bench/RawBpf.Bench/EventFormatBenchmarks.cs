using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using RawBpf.Cli;

namespace RawBpf.Bench;

/// <summary>
/// rawexitsnoop's per-record work: decode one 80-byte <c>struct exitsnoop_event</c> from its span and format it
/// (table row or JSON line) into the writer's reusable buffer; the buffer goes to <see cref="Stream.Null"/> once
/// per <see cref="RecordsPerBatch"/> records, as the tool flushes once per ring buffer batch.
/// The target is zero allocations per record. The sources are rawexitsnoop's own files, compiled in here.
/// Run: dotnet run -c Release --project bench/RawBpf.Bench -- --filter '*EventFormatBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class EventFormatBenchmarks
{
    private const int RecordsPerBatch = 100;

    private readonly byte[] _normalExit = Record(status: 3 << 8, comm: "forkexit"u8);
    private readonly byte[] _killed = Record(status: 9, comm: "sleep"u8);
    // ESC, a backslash, "été" in UTF-8 and a byte that is not UTF-8: each escape path of the table once, and
    // for JSON an escaped name that also needs comm_base64.
    private readonly byte[] _oddName = Record(status: 0, comm: [(byte)'a', 0x1b, (byte)'\\', 0xc3, 0xa9, (byte)'t', 0xc3, 0xa9, 0xff]);
    private EventWriter _table = null!;
    private EventWriter _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        var clock = new WallClock(utc: false);
        _table = new TableEventWriter(Stream.Null, clock, showThreads: false);
        _json = new JsonEventWriter(Stream.Null, clock);
    }

    [Benchmark(Description = "table row, exit code", OperationsPerInvoke = RecordsPerBatch)]
    public void TableExitCode() => WriteBatch(_table, _normalExit);

    [Benchmark(Description = "table row, killed by a signal", OperationsPerInvoke = RecordsPerBatch)]
    public void TableSignal() => WriteBatch(_table, _killed);

    [Benchmark(Description = "table row, name with escapes", OperationsPerInvoke = RecordsPerBatch)]
    public void TableEscapedName() => WriteBatch(_table, _oddName);

    [Benchmark(Description = "JSON line, exit code", OperationsPerInvoke = RecordsPerBatch)]
    public void JsonExitCode() => WriteBatch(_json, _normalExit);

    [Benchmark(Description = "JSON line, killed by a signal", OperationsPerInvoke = RecordsPerBatch)]
    public void JsonSignal() => WriteBatch(_json, _killed);

    [Benchmark(Description = "JSON line, name with escapes", OperationsPerInvoke = RecordsPerBatch)]
    public void JsonEscapedName() => WriteBatch(_json, _oddName);

    private static void WriteBatch(EventWriter writer, byte[] record)
    {
        for (var i = 0; i < RecordsPerBatch; i++)
            writer.Write(new ExitEvent(record));
        writer.Flush();
    }

    /// <summary>A process record, pid 4242, 1.5 ms old, made through the generated struct.</summary>
    private static byte[] Record(int status, ReadOnlySpan<byte> comm)
    {
        var now = (ulong)System.Diagnostics.Stopwatch.GetTimestamp();
        var record = new ExitsnoopSkeleton.ExitsnoopEvent
        {
            ExitTimeNs = now,
            ProcessStartNs = now - 1_500_000,
            ThreadStartNs = now - 1_500_000,
            CgroupId = 1,
            Pid = 4242,
            Tid = 4242,
            Ppid = 1,
            ExitCode = status, // the wait status
            Flags = (uint)(ExitsnoopSkeleton.ExitsnoopFlag.Process | ExitsnoopSkeleton.ExitsnoopFlag.Leader),
        };
        comm[..Math.Min(comm.Length, 15)].CopyTo(record.Comm);
        return MemoryMarshal.AsBytes(new ReadOnlySpan<ExitsnoopSkeleton.ExitsnoopEvent>(in record)).ToArray();
    }
}
