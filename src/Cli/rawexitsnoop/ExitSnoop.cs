using System.Buffers.Binary;
using System.Diagnostics;
using RawBpf.BtfCore;
using RawBpf.Cli.Common;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;

namespace RawBpf.Cli;

/// <summary>Loads exitsnoop.bpf.o (embedded), attaches it, and prints one line per exit until told to stop.</summary>
internal static class ExitSnoop
{
    internal const string ToolName = "rawexitsnoop";

    private const int LostCheckIntervalMs = 1000;

    /// <summary>How long a stop request waits for the trace to drain and print before ending without it.</summary>
    private const int StopGraceMs = 1000;

    /// <summary>
    /// Under load, a batch is handed to the output at most this often: the kernel wakes the reader only for a
    /// record that finds the ring empty, so while the reader waits out the rest of the window the records pile up
    /// without wake-ups and leave in one write. An exit after a quiet spell is still printed at once. The default
    /// 256 KiB ring holds ~3,000 records: 4 ms of them would take 750,000 exits/s (docs/benchmarks.md).
    /// </summary>
    private static readonly long BatchIntervalTicks = Stopwatch.Frequency * 4 / 1000;

    /// <summary>
    /// Traces on a thread of its own (the ring buffer loop blocks in epoll_wait, which the stop token wakes) until
    /// --count, --duration, a stop signal or an error ends it. A stop that finds the trace stuck in a write to a pipe
    /// nobody reads, which nothing can interrupt, waits a moment, prints the summary itself and ends with success;
    /// the kernel detaches the program as the process exits.
    /// </summary>
    public static int Run(ExitSnoopOptions options, KernelTypes kernelTypes, CancellationToken stop)
    {
        var summary = new TraceSummary();
        var exitCode = ExitCodes.RuntimeError;
        // Not disposed: a worker stuck in a write may still set it after this returns.
        var finished = new ManualResetEventSlim();
        var worker = new Thread(() =>
        {
            exitCode = TraceUntilStopped(options, kernelTypes, summary, stop);
            finished.Set();
        })
        { IsBackground = true, Name = "trace" };
        worker.Start();
        try
        {
            finished.Wait(stop);
        }
        catch (OperationCanceledException)
        {
            if (!finished.Wait(StopGraceMs))
            {
                summary.PrintOnce();
                return ExitCodes.Success;
            }
        }
        return exitCode;
    }

    private static int TraceUntilStopped(ExitSnoopOptions options, KernelTypes kernelTypes, TraceSummary summary, CancellationToken stop)
    {
        using var narration = options.Explain ? SyscallTrace.Subscribe(static e => Console.Error.WriteLine(e.ToString())) : null;
        try
        {
            using var exitsnoop = ExitsnoopSkeleton.Open();
            var cgroupSubtree = Configure(exitsnoop, options);
            exitsnoop.Load(new BpfObjectLoadOptions { KernelTypes = kernelTypes });
            // CO-RE results are plain values (--explain prints them): the kernel's types are not needed any more.
            kernelTypes.Dispose();
            if (options.Explain)
                Explain(exitsnoop.Object);
            if (cgroupSubtree is not null)
                CgroupCall(options, () => Cgroup.StoreInArray(exitsnoop.Maps.CgroupFilter, 0, cgroupSubtree));
            exitsnoop.Attach();
            using var ring = new RingBuffer(exitsnoop.Maps.Events);
            var clock = new WallClock(options.Utc);
            // write(2) at the descriptor's shared offset: `{ echo; rawexitsnoop; } > log` keeps every line.
            EventWriter writer = options.Json ? new JsonEventWriter(StandardStream.Output, clock) : new TableEventWriter(StandardStream.Output, clock, options.Threads);
            writer.WriteHeader();
            writer.Flush();
            Trace(ring, exitsnoop.Maps.Lost, writer, options, summary, stop);
            summary.PrintOnce();
            return ExitCodes.Success;
        }
        catch (StandardStreamClosedException)
        {
            // `| head`, `>&-` or a hung-up terminal: the reader left. Detach (by disposal) and end quietly.
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return ErrorReporter.Report(e);
        }
        finally
        {
            kernelTypes.Dispose();
        }
    }

    /// <summary>
    /// The filters go into .rodata before load, so the verifier prunes what they exclude. One entry point loads (and
    /// so attaches): the tracepoint where tracefs is readable (or root may mount it), else the raw tracepoint, which
    /// needs no tracefs (a user with only CAP_BPF + CAP_PERFMON: tracefs is mode 0700). Returns for --cgroup the
    /// directory whose subtree the kernel is to test exits against once the maps exist.
    /// </summary>
    private static string? Configure(ExitsnoopSkeleton exitsnoop, ExitSnoopOptions options)
    {
        var filters = exitsnoop.Rodata;
        if (options.Pid is { } pid)
            filters.TargetPid = (uint)pid;
        if (options.Uid is { } uid)
            filters.TargetUid = uid;
        string? cgroupSubtree = null;
        if (options.CgroupPath is { } path)
        {
            var cgroup = CgroupCall(options, () => Cgroup.Resolve(path));
            if (options.CgroupExact)
            {
                filters.TargetCgroupId = CgroupCall(options, () => Cgroup.GetId(cgroup));
            }
            else
            {
                filters.CgroupSubtree = true;
                cgroupSubtree = cgroup;
            }
        }
        filters.FailedOnly = options.FailedOnly;
        filters.TraceThreads = options.Threads;
        if (options.RingSizeKib is { } kib)
            exitsnoop.Object.SetMaxEntries(ExitsnoopSkeleton.MapNames.Events, (uint)kib * 1024);
        // handle_exit is tp/sched/sched_process_exit (its id from tracefs); handle_exit_raw the same event as raw_tp/.
        var skip = Tracefs.IsReadable ? ExitsnoopSkeleton.ProgramNames.HandleExitRaw : ExitsnoopSkeleton.ProgramNames.HandleExit;
        exitsnoop.Object.SetAutoload(skip, false);
        return cgroupSubtree;
    }

    private static void CgroupCall(ExitSnoopOptions options, Action call) => CgroupCall(options, () =>
    {
        call();
        return true;
    });

    /// <summary>A cgroup failure, said for the option that named it: --cgroup PATH or --cgroup-exact PATH.</summary>
    private static T CgroupCall<T>(ExitSnoopOptions options, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is ArgumentException or LinuxSyscallException)
        {
            // Said here: an ArgumentException's message names no option, and the loader's says which call failed.
            throw new ExitSnoopException($"{(options.CgroupExact ? "--cgroup-exact" : "--cgroup")} {options.CgroupPath}: {e.Message}");
        }
    }

    private static void Explain(BpfObject exitsnoop)
    {
        foreach (var warning in exitsnoop.Warnings)
            Console.Error.WriteLine($"warning: {warning}");
        foreach (var relocation in exitsnoop.CoreRelocations)
            Console.Error.WriteLine($"CO-RE {relocation}");
    }

    private struct TraceState
    {
        public EventWriter Writer;
        public TraceSummary Summary;
        public long Reported;
    }

    private static void Trace(RingBuffer ring, BpfMap lostMap, EventWriter writer, ExitSnoopOptions options, TraceSummary summary, CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (options.Duration is { } duration)
            stop.CancelAfter(duration);
        var state = new TraceState { Writer = writer, Summary = summary };
        var lostBuffer = new byte[lostMap.ValueBufferSize];
        ulong lostSoFar = 0;
        var nextLostCheck = Stopwatch.GetTimestamp();
        var limit = options.Count ?? long.MaxValue;
        var lastBatch = 0L;
        try
        {
            while (state.Reported < limit)
            {
                if (ring.WaitForData(LostCheckIntervalMs, stop.Token))
                {
                    var sinceLastBatch = Stopwatch.GetTimestamp() - lastBatch;
                    if (sinceLastBatch < BatchIntervalTicks)
                        Thread.Sleep(TimeSpan.FromTicks((BatchIntervalTicks - sinceLastBatch) * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
                    lastBatch = Stopwatch.GetTimestamp();
                    Consume(ring, ref state, limit);
                }
                if (Stopwatch.GetTimestamp() >= nextLostCheck)
                {
                    lostSoFar = summary.Lost = ReportLost(lostMap, lostBuffer, lostSoFar);
                    nextLostCheck = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by a signal or --duration: what the kernel already handed over is still printed.
            Consume(ring, ref state, limit);
        }
        summary.Lost = ReportLost(lostMap, lostBuffer, lostSoFar);
    }

    private static void Consume(RingBuffer ring, ref TraceState state, long limit)
    {
        var room = (int)Math.Min(limit - state.Reported, int.MaxValue);
        ring.Consume(ref state, static (ref TraceState s, ReadOnlySpan<byte> record) =>
        {
            s.Writer.Write(new ExitEvent(record));
            s.Reported++;
        }, room);
        state.Writer.Flush();
        state.Summary.Reported = state.Reported; // written, not only formatted: a stop while stuck counts these
    }

    /// <summary>Sums the per-CPU `lost` counters; says so on stderr when records were lost since the last look.</summary>
    private static ulong ReportLost(BpfMap lostMap, byte[] buffer, ulong previous)
    {
        Span<byte> key = stackalloc byte[4];
        if (!lostMap.TryLookup(key, buffer))
            return previous;
        ulong total = 0;
        for (var offset = 0; offset + 8 <= buffer.Length; offset += lostMap.PerCpuValueStride)
            total += BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(offset));
        if (total > previous)
            Console.Error.WriteLine($"{ToolName}: {total - previous} exits lost: the ring buffer was full (a larger --ring-size helps)");
        return total;
    }
}

/// <summary>
/// The counts for the summary line, shared by the trace thread (which updates them) and the main thread (which
/// prints them when a stop finds the trace stuck), and the guarantee that the line is printed once.
/// </summary>
internal sealed class TraceSummary
{
    private long _reported;
    private ulong _lost;
    private int _printed;

    public long Reported
    {
        get => Volatile.Read(ref _reported);
        set => Volatile.Write(ref _reported, value);
    }

    public ulong Lost
    {
        get => Volatile.Read(ref _lost);
        set => Volatile.Write(ref _lost, value);
    }

    public void PrintOnce()
    {
        if (Interlocked.Exchange(ref _printed, 1) == 0)
            Console.Error.WriteLine($"{ExitSnoop.ToolName}: {Reported} exits reported, {Lost} lost");
    }
}

/// <summary>A runtime error of this tool whose message is meant for the user as it stands.</summary>
internal sealed class ExitSnoopException(string message) : RawBpfException(message);
