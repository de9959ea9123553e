using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Links;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Programs;
using RawBpf.Loader.Readers;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

public sealed class PerfBufferTests : IDisposable
{
    private readonly BpfMap _control;
    private readonly BpfMap _events;
    private readonly BpfProgram _program;
    private readonly BpfLink _link;
    private readonly byte[] _controlValue = new byte[TestPrograms.ControlValueSize];

    public PerfBufferTests()
    {
        _control = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Array, KeySize = 4, ValueSize = TestPrograms.ControlValueSize, MaxEntries = 1, Name = "control" });
        _events = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.PerfEventArray, KeySize = 4, ValueSize = 4, MaxEntries = (uint)CpuSet.PossibleCount, Name = "events" });
        _program = TestPrograms.LoadTracepoint(TestPrograms.PerfProducer(_control, _events, Environment.ProcessId, TestLibc.gettid()), "perf_producer");
        _link = BpfLink.AttachTracepoint(_program, "syscalls", "sys_enter_getpid");
    }

    public void Dispose()
    {
        _link.Dispose();
        _program.Dispose();
        _events.Dispose();
        _control.Dispose();
    }

    /// <summary>Payload: u32 sequence, then bytes derived from it.</summary>
    private void Emit(int sequence, int size)
    {
        BitConverter.TryWriteBytes(_controlValue.AsSpan(4), (uint)size);
        BitConverter.TryWriteBytes(_controlValue.AsSpan(16), (uint)sequence);
        for (var i = 4; i < TestPrograms.MaxPayload; i++)
        {
            _controlValue[16 + i] = (byte)(sequence + i);
        }

        _control.Update(BitConverter.GetBytes(0u), _controlValue);
        TestLibc.getpid();
    }

    private static bool Intact(ReadOnlySpan<byte> sample, int size, out int sequence)
    {
        sequence = BitConverter.ToInt32(sample);
        if (sample.Length < size)
        {
            return false;
        }

        for (var i = 4; i < size; i++)
        {
            if (sample[i] != (byte)(sequence + i))
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void SamplesArriveIntactIncludingOnesThatWrap()
    {
        using var reader = new PerfEventArrayReader(_events, pagesPerCpu: 1);
        var seen = new HashSet<int>();
        var state = (Seen: seen, Bad: 0, Size: 0);
        for (var sequence = 0; sequence < 500; sequence++)
        {
            var size = 4 + (sequence * 13 % 200);
            Emit(sequence, size);
            state.Size = size;
            Assert.True(reader.WaitForData(10_000));
            reader.Consume(ref state, static (ref (HashSet<int> Seen, int Bad, int Size) s, int cpu, ReadOnlySpan<byte> sample) =>
            {
                if (!Intact(sample, s.Size, out var sequence) || !s.Seen.Add(sequence))
                {
                    s.Bad++;
                }
            });
        }

        Assert.Equal(0, state.Bad);
        Assert.Equal(500, seen.Count);
        Assert.Equal(0UL, reader.LostSamples);
    }

    [Fact]
    public void AFullBufferCountsLostSamples()
    {
        using var reader = new PerfEventArrayReader(_events, pagesPerCpu: 1);
        const int Attempts = 400;
        for (var sequence = 0; sequence < Attempts; sequence++)
        {
            Emit(sequence, 200);
        }

        var state = (Received: 0, Bad: 0);
        reader.Consume(ref state, static (ref (int Received, int Bad) s, int cpu, ReadOnlySpan<byte> sample) =>
        {
            if (!Intact(sample, 200, out _))
            {
                s.Bad++;
            }

            s.Received++;
        });

        // The kernel emits PERF_RECORD_LOST once space is free again: one more sample flushes it.
        Emit(Attempts, 200);
        reader.Consume(ref state, static (ref (int Received, int Bad) s, int cpu, ReadOnlySpan<byte> sample) => s.Received++);

        Assert.Equal(0, state.Bad);
        Assert.True(reader.LostSamples > 0);
        Assert.Equal((ulong)(Attempts + 1), (ulong)state.Received + reader.LostSamples);
    }
}
