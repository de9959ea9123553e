using System.Runtime.InteropServices;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

public class MapTests
{
    private static byte[] Key(uint value) => BitConverter.GetBytes(value);

    [Fact]
    public void ArrayUpdateLookupNextKeyButNoDelete()
    {
        using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 4, Name = "test_array" });
        Assert.Equal("test_array", map.GetInfo().Name);

        map.Update<uint, ulong>(1, 42);
        Assert.True(map.TryLookup<uint, ulong>(1, out var value));
        Assert.Equal(42UL, value);
        Assert.True(map.TryLookup<uint, ulong>(2, out value));
        Assert.Equal(0UL, value); // arrays are preallocated and zeroed
        Assert.False(map.TryLookup<uint, ulong>(4, out _)); // out of range: ENOENT

        var keys = new List<uint>();
        var next = new byte[4];
        var current = Array.Empty<byte>();
        while (map.TryGetNextKey(current, next))
        {
            keys.Add(BitConverter.ToUInt32(next));
            current = (byte[])next.Clone();
        }

        Assert.Equal([0u, 1u, 2u, 3u], keys);

        var error = Assert.Throws<BpfSyscallException>(() => map.Delete(Key(1)));
        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Equal(BpfCommand.MapDeleteElem, error.Command);
        Assert.Contains("bpf(BPF_MAP_DELETE_ELEM) failed: EINVAL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HashCreateUpdateLookupDeleteAndIterate()
    {
        using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Hash, KeySize = 4, ValueSize = 16, MaxEntries = 8, Name = "test_hash" });
        var value = new byte[16];
        foreach (var key in new uint[] { 10, 20, 30 })
        {
            value.AsSpan().Fill((byte)key);
            map.Update(Key(key), value, BpfMapUpdateFlags.NoExist);
        }

        var duplicate = Assert.Throws<BpfSyscallException>(() => map.Update(Key(10), value, BpfMapUpdateFlags.NoExist));
        Assert.Equal(Errno.EEXIST, duplicate.Errno);
        Assert.Throws<BpfSyscallException>(() => map.Update(Key(99), value, BpfMapUpdateFlags.Exist));

        var read = new byte[16];
        Assert.True(map.TryLookup(Key(20), read));
        Assert.All(read, b => Assert.Equal(20, b));

        var keys = new List<uint>();
        var next = new byte[4];
        ReadOnlySpan<byte> current = default;
        while (map.TryGetNextKey(current, next))
        {
            keys.Add(BitConverter.ToUInt32(next));
            current = next.ToArray();
        }

        Assert.Equal([10u, 20u, 30u], keys.Order());

        Assert.True(map.Delete(Key(20)));
        Assert.False(map.Delete(Key(20)));
        Assert.False(map.TryLookup(Key(20), read));
        Assert.Throws<ArgumentException>(() => map.TryLookup(Key(10), new byte[8]));
    }

    [Theory]
    [InlineData(BpfMapType.PercpuArray)]
    [InlineData(BpfMapType.PercpuHash)]
    public void PerCpuValuesHaveOneEightByteSlotPerPossibleCpu(BpfMapType type)
    {
        using var map = BpfMap.Create(new BpfMapCreateOptions { Type = type, KeySize = 4, ValueSize = 4, MaxEntries = 2, Name = "test_percpu" });
        Assert.True(map.IsPerCpu);
        Assert.Equal(8, map.PerCpuValueStride);
        Assert.Equal(8 * CpuSet.PossibleCount, map.ValueBufferSize);

        var values = new byte[map.ValueBufferSize];
        for (var cpu = 0; cpu < CpuSet.PossibleCount; cpu++)
        {
            BitConverter.TryWriteBytes(values.AsSpan(cpu * 8), 1000u + (uint)cpu);
        }

        map.Update(Key(1), values);
        var read = new byte[map.ValueBufferSize];
        Assert.True(map.TryLookup(Key(1), read));
        for (var cpu = 0; cpu < CpuSet.PossibleCount; cpu++)
        {
            Assert.Equal(1000u + (uint)cpu, BitConverter.ToUInt32(read, cpu * 8));
        }

        var next = new byte[4];
        Assert.True(map.TryGetNextKey(default, next));
        if (type == BpfMapType.PercpuHash)
        {
            Assert.Equal(1u, BitConverter.ToUInt32(next));
            Assert.True(map.Delete(Key(1)));
            Assert.False(map.TryLookup(Key(1), read));
        }
        else
        {
            Assert.Equal(0u, BitConverter.ToUInt32(next));
        }

        Assert.Throws<ArgumentException>(() => map.Update(Key(0), new byte[4]));
    }

    [Fact]
    public void PerfEventArrayTakesPerfEventFdsAndRefusesLookup()
    {
        using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.PerfEventArray, KeySize = 4, ValueSize = 4, MaxEntries = (uint)CpuSet.PossibleCount, Name = "test_perf" });
        var attr = new PerfEventAttr
        {
            Type = PerfEventAttr.PERF_TYPE_SOFTWARE,
            Size = PerfEventAttr.SizeVer7,
            Config = PerfEventAttr.PERF_COUNT_SW_BPF_OUTPUT,
            SampleType = PerfEventAttr.PERF_SAMPLE_RAW,
            SamplePeriod = 1,
        };
        using var perfEvent = KernelCalls.PerfEventOpen(ref attr, -1, 0, -1, PerfEventAttr.PERF_FLAG_FD_CLOEXEC);
        map.Update(Key(0), Key((uint)perfEvent.RawFd));

        // fd arrays have no user-space lookup (the kernel's map_fd_sys_lookup_elem is missing): ENOTSUPP.
        var error = Assert.Throws<BpfSyscallException>(() => map.TryLookup(Key(0), new byte[4]));
        Assert.Contains(error.Errno, new[] { Errno.ENOTSUPP, Errno.EOPNOTSUPP });

        var next = new byte[4];
        Assert.True(map.TryGetNextKey(Key(0), next));
        Assert.Equal(1u, BitConverter.ToUInt32(next));
        Assert.True(map.Delete(Key(0)));
        Assert.False(map.Delete(Key(0)));
    }

    [Fact]
    public void CgroupArrayTakesCgroupDirectoryFds()
    {
        using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.CgroupArray, KeySize = 4, ValueSize = 4, MaxEntries = 2, Name = "test_cgroups" });
        var cgroup2 = MountInfo.FindMountPoints("cgroup2").First();
        var fd = TestLibc.open(cgroup2, TestLibc.O_RDONLY | ArchitectureAbi.Current.OpenDirectory | TestLibc.O_CLOEXEC);
        Assert.True(fd >= 0, $"open {cgroup2}: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            map.Update(Key(1), Key((uint)fd));
            var error = Assert.Throws<BpfSyscallException>(() => map.TryLookup(Key(1), new byte[4]));
            Assert.Contains(error.Errno, new[] { Errno.ENOTSUPP, Errno.EOPNOTSUPP });
            var next = new byte[4];
            Assert.True(map.TryGetNextKey(Key(0), next));
            Assert.True(map.Delete(Key(1)));
            Assert.False(map.Delete(Key(1)));
        }
        finally
        {
            TestLibc.close(fd);
        }
    }

    [Fact]
    public void RingBufferMapIsCreatedWithItsSizeInMaxEntries()
    {
        using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Ringbuf, MaxEntries = 4096 * 4, Name = "test_ring" });
        var info = map.GetInfo();
        Assert.Equal(BpfMapType.Ringbuf, info.Type);
        Assert.Equal(4096u * 4, info.MaxEntries);

        // Not a power-of-two multiple of the page size: the kernel refuses.
        var error = Assert.Throws<BpfSyscallException>(() => BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Ringbuf, MaxEntries = 4096 * 3 }));
        Assert.Equal(Errno.EINVAL, error.Errno);
    }

    [Fact]
    public void FreezeMakesTheMapReadOnlyForUserSpace()
    {
        using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Array, KeySize = 4, ValueSize = 4, MaxEntries = 1, Name = "frozen", Flags = BpfMapFlags.ReadOnlyProgram });
        map.Update<uint, uint>(0, 7);
        map.Freeze();
        Assert.True(map.TryLookup<uint, uint>(0, out var value));
        Assert.Equal(7u, value);
        var error = Assert.Throws<BpfSyscallException>(() => map.Update<uint, uint>(0, 8));
        Assert.Equal(Errno.EPERM, error.Errno);
        Assert.Contains(error.Hints, h => h.Contains("frozen", StringComparison.Ordinal));
    }

    [Fact]
    public void LongNamesAreTruncatedToWhatTheKernelKeeps()
    {
        using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Array, KeySize = 4, ValueSize = 4, MaxEntries = 1, Name = "a_rather_long_map-name" });
        Assert.Equal("a_rather_long_m", map.Name);
        Assert.Equal("a_rather_long_m", map.GetInfo().Name);
    }

    [Fact]
    public void PinnedMapsCanBeOpenedAgain()
    {
        BpfFs.EnsureMounted();
        Assert.True(BpfFs.IsMounted());
        var path = $"/sys/fs/bpf/rawbpf_test_{Environment.ProcessId}";
        using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 4, Name = "pinned" });
        map.Update<uint, uint>(3, 33);
        map.Pin(path);
        try
        {
            using var again = BpfMap.OpenPinned(path);
            Assert.Equal(map.GetInfo().Id, again.GetInfo().Id);
            Assert.Equal(BpfMapType.Hash, again.Type);
            Assert.True(again.TryLookup<uint, uint>(3, out var value));
            Assert.Equal(33u, value);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PinningOutsideBpffsSaysTheDirectoryIsNotABpfFileSystem()
    {
        var directory = Directory.CreateTempSubdirectory("rawbpf-rawbpf-pin-").FullName;
        try
        {
            using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Array, KeySize = 4, ValueSize = 4, MaxEntries = 1, Name = "unpinnable" });
            var error = Assert.Throws<BpfPinException>(() => map.Pin(Path.Combine(directory, "map")));
            Assert.Equal(1, error.Errno); // EPERM: the kernel pins only into bpffs directories
            Assert.Equal([$"{directory} is not on a BPF file system: pin under a bpffs mount (mount -t bpf bpf /sys/fs/bpf)"], error.Hints);
            Assert.False(BpfFs.IsOnBpfFs(directory));
            Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ArenaMapRefusedByThisKernelIsExplainedWithoutTellingRootToBeRoot()
    {
        // BPF_MAP_TYPE_ARENA (6.9): mmapable, one page.
        BpfMap map;
        try
        {
            map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Arena, MaxEntries = 1, Flags = BpfMapFlags.Mmapable, Name = "conf_arena" });
        }
        catch (BpfSyscallException e)
        {
            Assert.Contains("BPF_MAP_CREATE", e.Message, StringComparison.Ordinal);
            Assert.Contains("(ARENA)", e.Message, StringComparison.Ordinal);
            // A kernel before 6.9 does not know the type (EINVAL); this one refuses it (EPERM) even to root.
            if (e.Errno == Errno.EPERM && Environment.IsPrivilegedProcess)
            {
                Assert.DoesNotContain("as root", e.Message, StringComparison.Ordinal);
                Assert.Contains("holds CAP_BPF", e.Message, StringComparison.Ordinal);
            }
            return;
        }
        using (map)
            Assert.Equal(BpfMapType.Arena, map.GetInfo().Type);
    }
}
