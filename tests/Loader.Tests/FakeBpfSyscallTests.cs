using System.Runtime.InteropServices;
using RawBpf.BtfCore;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// Loader logic where the kernel is not the point, against a fake bpf(2) (<see cref="BpfSyscall.Substitute"/>):
/// what the attrs carry, how the verifier log grows, how errno becomes an exception. Needs no root and no BPF.
/// </summary>
public sealed class FakeBpfSyscallTests
{
    /// <summary>Answers each call with <see cref="Respond"/> and keeps a copy of every attr it was given.</summary>
    private sealed unsafe class FakeBpf(Func<BpfCommand, nint, int, (long Result, int Errno)> respond) : IBpfSyscall
    {
        public List<(BpfCommand Command, byte[] Attr)> Calls { get; } = [];

        private Func<BpfCommand, nint, int, (long Result, int Errno)> Respond { get; } = respond;

        public long Invoke(BpfCommand command, void* attr, int size, out int errno)
        {
            Calls.Add((command, new ReadOnlySpan<byte>(attr, size).ToArray()));
            (var result, errno) = Respond(command, (nint)attr, size);
            return result;
        }
    }

    static FakeBpfSyscallTests()
    {
        // The memlock decision is probed once per process; let the real kernel (or its refusal) answer it, not a fake.
        MemlockLimit.RaiseIfNeeded();
    }

    /// <summary>A descriptor the loader may own and close: /dev/null stands in for the map or program fd.</summary>
    private static long NewFd()
    {
        var handle = File.OpenHandle("/dev/null");
        var fd = handle.DangerousGetHandle();
        handle.SetHandleAsInvalid();
        return fd;
    }

    private static T Read<T>(byte[] attr) where T : unmanaged => MemoryMarshal.Read<T>(attr);

    [Fact]
    public void Map_create_carries_the_options_in_bpf_attr()
    {
        var fake = new FakeBpf((_, _, _) => (NewFd(), 0));
        using (BpfSyscall.Substitute(fake))
        {
            using var map = BpfMap.Create(new BpfMapCreateOptions
            {
                Type = BpfMapType.Hash,
                KeySize = 4,
                ValueSize = 16,
                MaxEntries = 128,
                Flags = BpfMapFlags.NoPrealloc,
                Name = "a_name_longer_than_fifteen",
                BtfKeyTypeId = 3,
                BtfValueTypeId = 7,
            });
            Assert.Equal("a_name_longer_t", map.Name);
        }

        var (command, bytes) = Assert.Single(fake.Calls);
        Assert.Equal(BpfCommand.MapCreate, command);
        var attr = Read<MapCreateAttr>(bytes);
        Assert.Equal((uint)BpfMapType.Hash, attr.MapType);
        Assert.Equal((4u, 16u, 128u), (attr.KeySize, attr.ValueSize, attr.MaxEntries));
        Assert.Equal((uint)BpfMapFlags.NoPrealloc, attr.MapFlags);
        Assert.Equal((3u, 7u, 0u, 0u), (attr.BtfKeyTypeId, attr.BtfValueTypeId, attr.BtfFd, attr.InnerMapFd));
        // char map_name[BPF_OBJ_NAME_LEN]: 15 characters and the NUL.
        Assert.Equal("a_name_longer_t\0"u8.ToArray(), bytes.AsSpan(28, BpfLimits.ObjectNameLength).ToArray());
    }

    [Fact]
    public unsafe void A_failed_load_is_retried_with_a_log_that_doubles_until_the_verifier_fits()
    {
        var logSizes = new List<uint>();
        var fake = new FakeBpf((command, pointer, _) =>
        {
            var attr = (ProgLoadAttr*)pointer;
            logSizes.Add(attr->LogSize);
            if (attr->LogSize == 0)
                return (-1, Errno.EACCES);                  // the first load runs without a log
            if (attr->LogSize < 200_000)
                return (-1, Errno.ENOSPC);                  // a kernel before 6.4: log_true_size stays 0
            "R0 !read_ok\n"u8.CopyTo(new Span<byte>((void*)attr->LogBuf, (int)attr->LogSize));
            return (-1, Errno.EACCES);
        });
        BpfProgramLoadException e;
        using (BpfSyscall.Substitute(fake))
            e = Assert.Throws<BpfProgramLoadException>(() => BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter, Name = "rejected" }, [BpfAssembler.Exit()]));

        Assert.Equal([0u, 65_536u, 131_072u, 262_144u], logSizes);
        Assert.All(fake.Calls, call => Assert.Equal(BpfCommand.ProgLoad, call.Command));
        Assert.Equal([0u, 1u, 1u, 1u], fake.Calls.Select(call => Read<ProgLoadAttr>(call.Attr).LogLevel));
        Assert.Equal(Errno.EACCES, e.Errno);
        Assert.Equal("R0 !read_ok\n", e.Log);
        Assert.False(e.LogTruncated);
    }

    [Fact]
    public unsafe void Log_true_size_from_a_newer_kernel_sizes_the_next_buffer_at_once()
    {
        var logSizes = new List<uint>();
        var fake = new FakeBpf((_, pointer, _) =>
        {
            var attr = (ProgLoadAttr*)pointer;
            logSizes.Add(attr->LogSize);
            if (attr->LogSize is > 0 and < 100_000)
            {
                attr->LogTrueSize = 100_000;
                return (-1, Errno.ENOSPC);
            }
            return attr->LogSize == 0 ? (-1, Errno.EINVAL) : (NewFd(), 0);
        });
        using (BpfSyscall.Substitute(fake))
        using (BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter, LogLevel = 2 }, [BpfAssembler.Exit()]))
        {
        }

        // log_level 2 asks for the log from the start: no load without one.
        Assert.Equal([65_536u, 100_000u], logSizes);
    }

    [Fact]
    public void Errno_becomes_a_typed_exception_naming_command_errno_and_map()
    {
        var fake = new FakeBpf((command, _, _) => command == BpfCommand.MapCreate ? (NewFd(), 0) : (-1, Errno.E2BIG));
        using (BpfSyscall.Substitute(fake))
        {
            using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 1, Name = "full" });
            var e = Assert.Throws<BpfSyscallException>(() => map.Update<uint, uint>(1, 2));
            Assert.Equal(BpfCommand.MapUpdateElem, e.Command);
            Assert.Equal(Errno.E2BIG, e.Errno);
            Assert.Equal("E2BIG", e.ErrnoName);
            Assert.Contains("BPF_MAP_UPDATE_ELEM", e.Message);
            Assert.Contains("\"full\"", e.Message);
        }
    }

    [Fact]
    public void A_missing_key_is_false_not_an_exception()
    {
        var fake = new FakeBpf((command, _, _) => command == BpfCommand.MapCreate ? (NewFd(), 0) : (-1, Errno.ENOENT));
        using (BpfSyscall.Substitute(fake))
        {
            using var map = BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 1 });
            Assert.False(map.TryLookup<uint, uint>(1, out _));
            Assert.False(map.Delete(BitConverter.GetBytes(1u)));
        }

        Assert.Equal([BpfCommand.MapCreate, BpfCommand.MapLookupElem, BpfCommand.MapDeleteElem], fake.Calls.Select(call => call.Command));
    }

    [Fact]
    public async Task Flows_that_did_not_substitute_keep_the_kernel()
    {
        // Tests of other classes run in parallel in flows of their own; a task started without this flow's context is one.
        var fake = new FakeBpf((_, _, _) => (-1, Errno.E2BIG));
        Task<LinuxSyscallException> other;
        using (BpfSyscall.Substitute(fake))
        using (ExecutionContext.SuppressFlow())
        {
            // An fd that is no BPF object: the kernel refuses it (EINVAL, or EPERM without privileges), the fake says E2BIG.
            other = Task.Run(() => Assert.ThrowsAny<LinuxSyscallException>(() => BpfMap.FromFd(new BpfFileDescriptor((int)NewFd()))));
        }

        Assert.NotEqual(Errno.E2BIG, (await other).Errno);
        Assert.Empty(fake.Calls);
    }
}
