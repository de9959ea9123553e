using System.Buffers.Binary;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;

namespace RawBpf.Loader.Tests;

/// <summary>
/// The clang-built ringbuf_records.bpf.o through BpfObject and RingBuffer: one record per getpid() of this
/// process, cycling through reserve/submit, output, reserve/discard and forced wake-ups, with sizes from 8 to
/// 4096 bytes, in a 16 KiB ring so that it wraps many times.
/// </summary>
public sealed class ObjectRingBufferTests : IDisposable
{
    private const uint RingSize = 16 * 1024;
    private static readonly uint[] ReserveSizes = [8, 12, 60, 128, 1020, 4096];

    private readonly BpfObject _object;
    private readonly RingBuffer _ring;

    public ObjectRingBufferTests()
    {
        _object = ObjectTestSupport.OpenTestObject("ringbuf_records.bpf.o");
        _object.SetVariable("target_tgid", (uint)TestLibc.getpid());
        _object.SetMaxEntries("records", RingSize);
        _object.Load();
        _object.Attach("emit_records");
        _ring = new RingBuffer(_object.GetMap("records"));
    }

    public void Dispose()
    {
        _ring.Dispose();
        _object.Dispose();
    }

    /// <summary>What the reader has seen; checked without allocating so that it can run in the measured loop.</summary>
    private struct Checker
    {
        public long Received;
        public long Bytes;
        public long LastSeq;
        public long FirstBadSeq;
        public int BadReason;

        public static Checker Create() => new() { LastSeq = -1, FirstBadSeq = -1 };

        public void Check(ReadOnlySpan<byte> record)
        {
            Received++;
            Bytes += record.Length;
            if (record.Length < 8)
            {
                Fail(-2, 1);
                return;
            }
            var seq = BinaryPrimitives.ReadUInt32LittleEndian(record);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
            if (seq <= LastSeq)
                Fail(seq, 2);
            else if (seq % 4 == 2)
                Fail(seq, 3); // a discarded record must never reach the reader
            else if (length != ExpectedLength(seq) || record.Length != length)
                Fail(seq, 4);
            else
            {
                var seqByte = (byte)(seq * 7);
                for (var i = 8; i < record.Length; i++)
                {
                    if (record[i] != (byte)((byte)i ^ seqByte))
                    {
                        Fail(seq, 5);
                        break;
                    }
                }
            }
            LastSeq = seq;
        }

        private void Fail(long seq, int reason)
        {
            if (BadReason == 0)
            {
                FirstBadSeq = seq;
                BadReason = reason;
            }
        }

        public readonly void AssertClean() =>
            Assert.True(BadReason == 0, $"record seq {FirstBadSeq} is wrong (reason {BadReason}: 1 short, 2 out of order, 3 discarded, 4 length, 5 content)");
    }

    private static uint ExpectedLength(uint seq) => (seq % 4) switch
    {
        1 => 8 + (seq * 52 % 1017),
        _ => ReserveSizes[seq / 4 % 6],
    };

    private static readonly RingBufferRecordHandler<Checker> CheckRecord = static (ref Checker checker, ReadOnlySpan<byte> record) => checker.Check(record);

    private ulong Global(string name) => ObjectTestSupport.ReadU64(_object, name);

    [Fact]
    public void EveryRecordArrivesIntactAndInOrderAcrossManyWrapArounds()
    {
        const int Triggers = 6000;
        Assert.Equal((int)RingSize, _ring.DataSize);
        var checker = Checker.Create();
        for (var i = 0; i < Triggers; i++)
        {
            TestLibc.getpid();
            _ring.Consume(ref checker, CheckRecord);
        }

        checker.AssertClean();
        Assert.Equal((ulong)Triggers, Global("triggers"));
        Assert.Equal(0ul, Global("reserve_failed") + Global("output_failed"));
        Assert.Equal(Triggers / 4, (int)Global("discarded"));
        Assert.Equal(Global("submitted") + Global("output_ok"), (ulong)checker.Received);
        Assert.Equal(Triggers - (Triggers / 4), checker.Received);
        Assert.Equal(Triggers - 1 - ((Triggers - 1) % 4 == 2 ? 1 : 0), checker.LastSeq);
        // The ring wrapped many times (records plus their 8-byte headers, 8-byte aligned).
        Assert.True(checker.Bytes > 20 * RingSize, $"only {checker.Bytes} bytes went through");
    }

    [Fact]
    public void ASlowConsumerLosesWholeRecordsButNeverReadsACorruptOne()
    {
        const int Triggers = 8000;
        var checker = Checker.Create();
        for (var i = 0; i < Triggers; i++)
        {
            TestLibc.getpid();
            if (i % 200 == 199)
                _ring.Consume(ref checker, CheckRecord);
        }
        _ring.Consume(ref checker, CheckRecord);

        checker.AssertClean();
        var failed = Global("reserve_failed") + Global("output_failed");
        Assert.Equal((ulong)Triggers, Global("triggers"));
        Assert.True(failed > 0, "the producer never ran out of room: the test did not overrun the ring");
        Assert.True(checker.Received > 0);
        // Every trigger is accounted for: read, discarded on purpose, or counted as not fitting.
        Assert.Equal((ulong)Triggers, (ulong)checker.Received + Global("discarded") + failed);
        Assert.Equal(Global("submitted") + Global("output_ok"), (ulong)checker.Received);
    }

    [Fact]
    public void ConsumingAllocatesNothingPerRecord()
    {
        var checker = Checker.Create();
        // Warm up: JIT, tiering and the first wrap-arounds happen here.
        for (var i = 0; i < 2000; i++)
        {
            TestLibc.getpid();
            _ring.Consume(ref checker, CheckRecord);
        }

        var receivedBefore = checker.Received;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 4000; i++)
        {
            TestLibc.getpid();
            _ring.Consume(ref checker, CheckRecord);
            if (_ring.TryRead(out var record))
                checker.Check(record);
            _ring.Commit();
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        checker.AssertClean();
        Assert.Equal(3000, checker.Received - receivedBefore);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(1u, 4096u)]
    [InlineData(10000u, 16384u)]
    [InlineData(16384u, 16384u)]
    [InlineData(16385u, 32768u)]
    public void RingSizeIsRoundedUpToAPowerOfTwoNumberOfPages(uint requested, uint created)
    {
        // As libbpf's adjust_ringbuf_sz: the kernel refuses anything but a power-of-two multiple of the page size.
        using var obj = ObjectTestSupport.OpenTestObject("ringbuf_records.bpf.o");
        obj.SetMaxEntries("records", requested);
        obj.Load();
        Assert.Equal(created, obj.GetMap("records").MaxEntries);
        Assert.Equal(created, obj.GetMap("records").GetInfo().MaxEntries);
    }
}
