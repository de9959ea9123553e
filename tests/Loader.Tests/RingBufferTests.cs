using RawBpf.Elf;
using RawBpf.Loader.Links;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Programs;
using RawBpf.Loader.Readers;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

public sealed class RingBufferTests : IDisposable
{
    private const uint RingSize = 4096 * 4;

    private readonly BpfMap _control;
    private readonly BpfMap _ring;
    private readonly BpfMap _drops;
    private readonly BpfProgram _program;
    private readonly BpfLink _link;
    private readonly byte[] _controlValue = new byte[TestPrograms.ControlValueSize];

    public RingBufferTests()
    {
        _control = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Array, KeySize = 4, ValueSize = TestPrograms.ControlValueSize, MaxEntries = 1, Name = "control" });
        _ring = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Ringbuf, MaxEntries = RingSize, Name = "events" });
        _drops = TestPrograms.CreateCounterMap();
        _program = TestPrograms.LoadTracepoint(TestPrograms.RingProducer(_control, _ring, _drops, Environment.ProcessId, TestLibc.gettid()), "ring_producer");
        _link = BpfLink.AttachTracepoint(_program, "syscalls", "sys_enter_getpid");
    }

    public void Dispose()
    {
        _link.Dispose();
        _program.Dispose();
        _drops.Dispose();
        _ring.Dispose();
        _control.Dispose();
    }

    private static byte PayloadByte(int sequence, int index) => (byte)((sequence * 7) + index);

    private static int PayloadSize(int sequence) => 1 + (sequence * 37 % TestPrograms.MaxPayload);

    /// <summary>Sets control[0] and calls getpid, which makes the program emit (or discard) one record.</summary>
    private void Emit(uint mode, int sequence, int size)
    {
        BitConverter.TryWriteBytes(_controlValue.AsSpan(0), mode);
        BitConverter.TryWriteBytes(_controlValue.AsSpan(4), (uint)size);
        for (var i = 0; i < TestPrograms.MaxPayload; i++)
        {
            _controlValue[16 + i] = PayloadByte(sequence, i);
        }

        _control.Update(BitConverter.GetBytes(0u), _controlValue);
        TestLibc.getpid();
    }

    private static void AssertRecord(int sequence, int size, ReadOnlySpan<byte> record)
    {
        Assert.Equal(size, record.Length);
        for (var i = 0; i < size; i++)
        {
            if (record[i] != PayloadByte(sequence, i))
            {
                Assert.Fail($"record {sequence}: byte {i} is {record[i]}, expected {PayloadByte(sequence, i)}");
            }
        }
    }

    [Fact]
    public void EveryByteArrivesInOrderAcrossManyWrapArounds()
    {
        using var reader = new RingBuffer(_ring);
        Assert.Equal((int)RingSize, reader.DataSize);
        var expected = new Queue<(int Sequence, int Size)>();
        long bytes = 0;
        var received = 0;
        for (var sequence = 0; sequence < 3000; sequence++)
        {
            if (sequence % 5 == 3)
            {
                Emit(TestPrograms.ModeReserveDiscard, sequence, 16);
            }
            else if (sequence % 7 == 4)
            {
                Emit(TestPrograms.ModeReserveSubmit, sequence, 16);
                expected.Enqueue((sequence, 16));
            }
            else
            {
                var size = PayloadSize(sequence);
                Emit(TestPrograms.ModeOutput, sequence, size);
                expected.Enqueue((sequence, size));
                bytes += size;
            }

            // Read in batches of up to 16 records (16 × 264 bytes fit the 16 KiB ring).
            if (sequence % 16 == 15)
            {
                Assert.True(reader.WaitForData(10_000));
                while (reader.TryRead(out var record))
                {
                    var (expectedSequence, expectedSize) = expected.Dequeue();
                    AssertRecord(expectedSequence, expectedSize, record);
                    received++;
                }

                reader.Commit();
            }
        }

        while (reader.TryRead(out var record))
        {
            var (expectedSequence, expectedSize) = expected.Dequeue();
            AssertRecord(expectedSequence, expectedSize, record);
            received++;
        }

        reader.Commit();
        Assert.Empty(expected);
        Assert.Equal(0UL, TestPrograms.ReadCounter(_drops));
        Assert.True(bytes > 10 * RingSize, $"only {bytes} bytes: the ring did not wrap often enough");
        Assert.Equal(0, reader.PendingBytes);
        Assert.True(received > 2000);
    }

    [Fact]
    public void ASlowConsumerLosesRecordsWithoutCorruption()
    {
        using var reader = new RingBuffer(_ring);
        const int Attempts = 1000;
        for (var sequence = 0; sequence < Attempts; sequence++)
        {
            Emit(TestPrograms.ModeOutput, sequence, 100);
        }

        var drops = (int)TestPrograms.ReadCounter(_drops);
        Assert.True(drops > 0, "the ring never filled up");

        // What arrived is exactly the first records, intact; the rest were refused by bpf_ringbuf_output.
        var state = (Next: 0, Failures: 0);
        reader.Consume(ref state, static (ref (int Next, int Failures) s, ReadOnlySpan<byte> record) =>
        {
            if (record.Length != 100 || record[0] != PayloadByte(s.Next, 0) || record[99] != PayloadByte(s.Next, 99))
            {
                s.Failures++;
            }

            s.Next++;
        });
        Assert.Equal(0, state.Failures);
        Assert.Equal(Attempts, state.Next + drops);

        // Space is free again: new records flow.
        Emit(TestPrograms.ModeOutput, 5000, 10);
        Assert.True(reader.TryRead(out var next));
        AssertRecord(5000, 10, next);
        reader.Commit();
    }

    // One delegate instance for warm-up and measurement: a static lambda's delegate is allocated on first use.
    private static readonly RingBufferRecordHandler<long> SumLengths = static (ref long sum, ReadOnlySpan<byte> record) => sum += record.Length;

    [Fact]
    public void ConsumingAllocatesNothingPerRecord()
    {
        using var reader = new RingBuffer(_ring);

        // Warm up: JIT the consume paths once.
        Emit(TestPrograms.ModeOutput, 1, 64);
        var total = 0L;
        reader.Consume(ref total, SumLengths);
        Emit(TestPrograms.ModeOutput, 2, 64);
        while (reader.TryRead(out var record))
        {
            total += record[0];
        }

        reader.Commit();

        for (var round = 0; round < 3; round++)
        {
            for (var sequence = 0; sequence < 100; sequence++)
            {
                Emit(TestPrograms.ModeOutput, sequence, 100);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            var count = 0L;
            var consumed = round % 2 == 0
                ? reader.Consume(ref count, SumLengths)
                : ConsumeWithTryRead(reader, ref count);
            var after = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(100, consumed);
            Assert.Equal(100L * 100, count);
            Assert.Equal(0, after - before);
        }

        static int ConsumeWithTryRead(RingBuffer reader, ref long count)
        {
            var consumed = 0;
            while (reader.TryRead(out var record))
            {
                count += record.Length;
                consumed++;
            }

            reader.Commit();
            return consumed;
        }
    }

    [Fact]
    public void WaitingTimesOutAndCanBeCancelled()
    {
        using var reader = new RingBuffer(_ring);
        Assert.False(reader.WaitForData(0));
        Assert.False(reader.WaitForData(10));

        using var cancellation = new CancellationTokenSource();
        var waiter = Task.Run(() => reader.WaitForData(-1, cancellation.Token));
        Thread.Sleep(50);
        cancellation.Cancel();
        Assert.Throws<OperationCanceledException>(() => waiter.GetAwaiter().GetResult());

        Emit(TestPrograms.ModeOutput, 9, 9);
        Assert.True(reader.WaitForData(-1));
        var count = 0;
        Assert.Equal(1, reader.Poll(ref count, static (ref int c, ReadOnlySpan<byte> _) => c++, 0));
    }

    /// <summary>
    /// Wake then Dispose from a second thread while the reader is inside Consume, its handler still reading the
    /// record: the call finishes on mapped memory, and the reader's next call throws ObjectDisposedException
    /// (an unmap under the reader would crash the test host with SIGSEGV instead).
    /// </summary>
    [Fact]
    public void DisposingFromAnotherThreadDuringConsumeThrowsObjectDisposedNeverCrashes()
    {
        for (var round = 0; round < 1000; round++)
        {
            Emit(TestPrograms.ModeReserveSubmit, round, 16);
            var reader = new RingBuffer(_ring);
            using var inside = new ManualResetEventSlim();
            using var disposed = new ManualResetEventSlim();
            var state = new DisposeRace(inside, disposed);
            var consumer = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        reader.Poll(ref state, static (ref DisposeRace race, ReadOnlySpan<byte> record) =>
                        {
                            race.Inside.Set();
                            race.Disposed.Wait();
                            race.Sum += record[0] + record[^1]; // touches the ring after Dispose returned
                        }, -1);
                    }
                }
                catch (ObjectDisposedException)
                {
                    state.Outcome = "ObjectDisposedException";
                }
                catch (Exception e)
                {
                    state.Outcome = e.GetType().Name + ": " + e.Message;
                }
            });
            consumer.Start();
            Assert.True(inside.Wait(TimeSpan.FromSeconds(10)), $"round {round}: the reader never got a record");
            reader.Wake();
            reader.Dispose();
            disposed.Set();
            Assert.True(consumer.Join(TimeSpan.FromSeconds(10)), $"round {round}: the reader did not stop");
            Assert.Equal("ObjectDisposedException", state.Outcome);
            Assert.Equal(PayloadByte(round, 0) + PayloadByte(round, 15), state.Sum);
        }
    }

    private sealed class DisposeRace(ManualResetEventSlim inside, ManualResetEventSlim disposed)
    {
        public ManualResetEventSlim Inside { get; } = inside;

        public ManualResetEventSlim Disposed { get; } = disposed;

        public int Sum { get; set; }

        public string? Outcome { get; set; }
    }
}
