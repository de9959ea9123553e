using System.Buffers.Binary;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>Create/read/update/delete from user space on the maps objects declare, one test per map type.</summary>
public sealed class ObjectMapTests : IDisposable
{
    private readonly BpfObject _multi;

    public ObjectMapTests()
    {
        _multi = ObjectTestSupport.OpenTestObject("multi_prog.bpf.o");
        _multi.Load();
    }

    public void Dispose() => _multi.Dispose();

    private static byte[] Key(uint key) => BitConverter.GetBytes(key);

    [Fact]
    public void Hash()
    {
        var map = _multi.GetMap("calls_by_tgid");
        Assert.False(map.TryLookup<uint, ulong>(5, out _));
        map.Update<uint, ulong>(5, 50, BpfMapUpdateFlags.NoExist);
        map.Update<uint, ulong>(6, 60);
        Assert.Equal(17, Assert.Throws<BpfSyscallException>(() => map.Update<uint, ulong>(5, 51, BpfMapUpdateFlags.NoExist)).Errno); // EEXIST
        Assert.Equal(2, Assert.Throws<BpfSyscallException>(() => map.Update<uint, ulong>(7, 70, BpfMapUpdateFlags.Exist)).Errno);   // ENOENT
        map.Update<uint, ulong>(5, 55, BpfMapUpdateFlags.Exist);
        Assert.True(map.TryLookup<uint, ulong>(5, out var value));
        Assert.Equal(55ul, value);
        Assert.Equal([5u, 6u], Keys(map).Order());
        Assert.True(map.Delete(Key(5)));
        Assert.False(map.Delete(Key(5)));
        Assert.Equal([6u], Keys(map));

        // The program's own update lands in the same map.
        TestRun.Run(_multi.GetProgram("prog_enter"));
        Assert.Contains((uint)TestLibc.getpid(), Keys(map));
    }

    [Fact]
    public void Array()
    {
        var map = _multi.GetMap("calls_by_prog");
        Assert.True(map.TryLookup<uint, ulong>(1, out var initial));
        Assert.Equal(0ul, initial); // arrays are preallocated and zeroed
        Assert.False(map.TryLookup<uint, ulong>(2, out _));
        map.Update<uint, ulong>(1, 41);
        TestRun.Run(_multi.GetProgram("prog_exit"));
        Assert.True(map.TryLookup<uint, ulong>(1, out var value));
        Assert.Equal(42ul, value);
        Assert.Equal(22, Assert.Throws<BpfSyscallException>(() => map.Delete(Key(1))).Errno); // EINVAL: arrays keep every slot
        Assert.Equal([0u, 1u], Keys(map));
    }

    [Fact]
    public void PerCpuArray()
    {
        var map = _multi.GetMap("calls_per_cpu");
        var cpus = CpuSet.PossibleCount;
        Assert.Equal(8 * cpus, map.ValueBufferSize);
        var values = new byte[map.ValueBufferSize];
        for (var cpu = 0; cpu < cpus; cpu++)
            BinaryPrimitives.WriteUInt64LittleEndian(values.AsSpan(cpu * 8), (ulong)(100 * (cpu + 1)));
        map.Update(Key(0), values);

        TestRun.Run(_multi.GetProgram("prog_enter")); // adds 1 to the slot of the CPU it ran on

        var after = new byte[map.ValueBufferSize];
        Assert.True(map.TryLookup(Key(0), after));
        var bumped = 0;
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            var slot = BinaryPrimitives.ReadUInt64LittleEndian(after.AsSpan(cpu * 8));
            Assert.True(slot == (ulong)(100 * (cpu + 1)) || slot == (ulong)(100 * (cpu + 1)) + 1);
            bumped += slot == (ulong)(100 * (cpu + 1)) ? 0 : 1;
        }
        Assert.Equal(1, bumped);
    }

    [Fact]
    public void PerCpuHash()
    {
        var map = _multi.GetMap("last_call_per_cpu");
        var values = new byte[map.ValueBufferSize];
        for (var cpu = 0; cpu < CpuSet.PossibleCount; cpu++)
            BinaryPrimitives.WriteUInt64LittleEndian(values.AsSpan(cpu * map.PerCpuValueStride), (ulong)cpu + 7);
        map.Update(Key(9), values, BpfMapUpdateFlags.NoExist);
        var read = new byte[map.ValueBufferSize];
        Assert.True(map.TryLookup(Key(9), read));
        Assert.Equal(values, read);
        Assert.True(map.Delete(Key(9)));
        Assert.False(map.TryLookup(Key(9), read));
    }

    [Fact]
    public void LruHashWithAStructKey()
    {
        using var exitsnoop = ObjectTestSupport.OpenExitsnoop();
        exitsnoop.Load();
        var map = exitsnoop.GetMap("reported_exits");
        Assert.Equal(BpfMapType.LruHash, map.Type);
        Assert.Equal(16u, map.KeySize); // struct process_key { u64 start_time_ns; u32 tgid; u32 pad; }
        var key = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(key, 123456789);
        BinaryPrimitives.WriteUInt32LittleEndian(key.AsSpan(8), 4242);
        map.Update(key, [1], BpfMapUpdateFlags.NoExist);
        var value = new byte[1];
        Assert.True(map.TryLookup(key, value));
        Assert.Equal(1, value[0]);
        var next = new byte[16];
        Assert.True(map.TryGetNextKey([], next));
        Assert.Equal(key, next);
        Assert.True(map.Delete(key));
        Assert.False(map.TryGetNextKey([], next));
    }

    [Fact]
    public void DataSectionArrays()
    {
        // .bss is writable after load, and the value the program reads is the one user space wrote.
        var bss = _multi.GetMap("multi_pr.bss");
        Assert.Equal(BpfMapType.Array, bss.Type);
        var value = new byte[bss.ValueBufferSize];
        Assert.True(bss.TryLookup(Key(0), value));
        Assert.All(value, b => Assert.Equal(0, b)); // nothing ran yet: all zero
        var (_, callsTotal) = _multi.File.FindVariable("calls_total")!.Value;
        callsTotal.Write(value, BitConverter.GetBytes(1000ul));
        bss.Update(Key(0), value);
        TestRun.Run(_multi.GetProgram("prog_enter"));
        Assert.Equal(1001ul, ObjectTestSupport.ReadU64(_multi, "calls_total"));

        // .rodata holds the initial values from the ELF.
        Assert.Equal(3ul, ObjectTestSupport.ReadU64(_multi, "multiplier"));
        Assert.Equal("hello from .rodata\0"u8.ToArray(), ObjectTestSupport.ReadGlobal(_multi, "rodata_greeting"));
    }

    [Fact]
    public void PerfEventArray()
    {
        var map = _multi.GetMap("perf_events");
        using var reader = new PerfEventArrayReader(map); // fills every CPU's slot with a perf event fd
        TestRun.Run(_multi.GetProgram("prog_exit"));
        Assert.Equal(0, ObjectTestSupport.ReadS64(_multi, "perf_output_ret"));
        var samples = new List<byte[]>();
        reader.Consume(ref samples, static (ref List<byte[]> list, int cpu, ReadOnlySpan<byte> sample) => list.Add(sample.ToArray()));
        var sample = Assert.Single(samples);
        Assert.Equal("rawbpf\0\0"u8.ToArray(), sample[..8]);
    }

    [Fact]
    public void RingBufferHasNoElementsToLookUp()
    {
        using var obj = ObjectTestSupport.OpenTestObject("ringbuf_records.bpf.o");
        obj.Load();
        var ring = obj.GetMap("records");
        Assert.Equal(BpfMapType.Ringbuf, ring.Type);
        Assert.Equal(0u, ring.KeySize);
        Assert.Equal(0u, ring.ValueSize);
        var error = Assert.Throws<BpfSyscallException>(() => ring.TryLookup([], []));
        Assert.Contains(error.Errno, new[] { 22, 95, 524 }); // EINVAL / EOPNOTSUPP / ENOTSUPP, by kernel version
    }

    private static List<uint> Keys(BpfMap map)
    {
        var keys = new List<uint>();
        var key = new byte[4];
        var next = new byte[4];
        while (map.TryGetNextKey(keys.Count == 0 ? [] : key, next))
        {
            keys.Add(BitConverter.ToUInt32(next));
            next.CopyTo(key, 0);
        }
        return keys;
    }
}
