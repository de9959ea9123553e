using System.Numerics;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Uapi;

namespace RawBpf.Loader.Readers;

/// <summary>Receives one perf buffer sample (the PERF_SAMPLE_RAW bytes, including the kernel's padding to 8 bytes).</summary>
public delegate void PerfSampleHandler<TState>(ref TState state, int cpu, ReadOnlySpan<byte> sample);

/// <summary>
/// Reader of a BPF_MAP_TYPE_PERF_EVENT_ARRAY map, the pre-5.8 way out of a program (bpf_perf_event_output): one
/// perf event per CPU (PERF_TYPE_SOFTWARE / PERF_COUNT_SW_BPF_OUTPUT, PERF_SAMPLE_RAW), stored in the map at the
/// CPU's index, each with its own mmap'ed ring: one metadata page (struct perf_event_mmap_page: data_head at
/// 1024, data_tail at 1032) and 2^n data pages. Records are struct perf_event_header { u32 type; u16 misc;
/// u16 size; } followed by PERF_RECORD_SAMPLE { u32 size; u8 data[]; } or PERF_RECORD_LOST { u64 id; u64 lost; }.
/// Unlike the BPF ring buffer the data pages are mapped once, so a record that wraps is copied to a scratch
/// buffer (allocated once). Another thread may <see cref="Wake"/> the reader and <see cref="Dispose"/> it: a
/// <see cref="Consume"/> in progress keeps each ring mapped while it reads it; the next call throws
/// <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed unsafe class PerfEventArrayReader : IDisposable
{
    private const uint PERF_RECORD_LOST = 2;
    private const uint PERF_RECORD_SAMPLE = 9;
    private const int DataHeadOffset = 1024;   // struct perf_event_mmap_page.data_head
    private const int DataTailOffset = 1032;   // .data_tail

    private readonly BpfMap _map;
    private readonly CpuRing[] _rings;
    private readonly EventWaiter _waiter;
    private readonly nuint _pageSize;
    private readonly nuint _dataSize;
    private readonly byte[] _scratch = new byte[ushort.MaxValue + 1];
    private volatile bool _disposed;

    /// <param name="map">A PERF_EVENT_ARRAY with max_entries covering every CPU id (stays owned by the caller).</param>
    /// <param name="pagesPerCpu">Data pages per CPU, a power of two.</param>
    public PerfEventArrayReader(BpfMap map, int pagesPerCpu = 8)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Type != BpfMapType.PerfEventArray)
        {
            throw new ArgumentException($"map \"{map.Name}\" is {UapiNames.Of(map.Type)}, not PERF_EVENT_ARRAY", nameof(map));
        }

        if (pagesPerCpu <= 0 || !BitOperations.IsPow2(pagesPerCpu))
        {
            throw new ArgumentOutOfRangeException(nameof(pagesPerCpu), pagesPerCpu, "must be a power of two");
        }

        _map = map;
        _pageSize = (nuint)Environment.SystemPageSize;
        _dataSize = _pageSize * (nuint)pagesPerCpu;
        var cpus = CpuSet.Online();
        _rings = new CpuRing[cpus.Count];
        _waiter = new EventWaiter(cpus.Count);
        try
        {
            for (var i = 0; i < cpus.Count; i++)
            {
                var cpu = cpus[i];
                if ((uint)cpu >= map.MaxEntries)
                {
                    throw new ArgumentException($"map \"{map.Name}\" has max_entries {map.MaxEntries}, CPU {cpu} does not fit", nameof(map));
                }

                var attr = new PerfEventAttr
                {
                    Type = PerfEventAttr.PERF_TYPE_SOFTWARE,
                    Size = PerfEventAttr.SizeVer7,
                    Config = PerfEventAttr.PERF_COUNT_SW_BPF_OUTPUT,
                    SampleType = PerfEventAttr.PERF_SAMPLE_RAW,
                    SamplePeriod = 1,
                    WakeupEvents = 1, // wake the reader for every sample
                };
                var fd = KernelCalls.PerfEventOpen(ref attr, pid: -1, cpu, groupFd: -1, PerfEventAttr.PERF_FLAG_FD_CLOEXEC);
                _rings[i] = new CpuRing(cpu, fd);
                _rings[i].Pages = MappedRegion.MapShared(this, fd, _pageSize + _dataSize, Libc.PROT_READ | Libc.PROT_WRITE, 0);
                KernelCalls.Ioctl(fd, Libc.PERF_EVENT_IOC_ENABLE, "PERF_EVENT_IOC_ENABLE", 0);
                // The program's bpf_perf_event_output(..., BPF_F_CURRENT_CPU) looks up the running CPU's slot.
                map.Update(BitConverter.GetBytes((uint)cpu), BitConverter.GetBytes((uint)fd.RawFd));
                _waiter.Add(fd, (ulong)i);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Samples the kernel dropped because a CPU's ring was full (sum of PERF_RECORD_LOST).</summary>
    public ulong LostSamples { get; private set; }

    /// <summary>Hands every available sample to <paramref name="handler"/>, CPU by CPU; returns how many.</summary>
    public int Consume<TState>(ref TState state, PerfSampleHandler<TState> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var count = 0;
        foreach (var ring in _rings)
        {
            if (ring?.Pages is null)
            {
                continue;
            }

            using var pages = ring.Pages.Acquire();
            var metadata = pages.Pointer;
            var head = Volatile.Read(ref *(ulong*)(metadata + DataHeadOffset)); // acquire, pairs with the kernel's store
            var tail = *(ulong*)(metadata + DataTailOffset);
            var data = metadata + _pageSize;
            try
            {
                while (tail < head)
                {
                    var offset = (nuint)(tail & (_dataSize - 1));
                    var header = *(ulong*)(data + offset); // perf_event_header, always 8-byte aligned
                    var type = (uint)header;
                    var size = (int)(header >> 48);
                    if (size < 8)
                    {
                        break; // corrupt; stop rather than spin
                    }

                    ReadOnlySpan<byte> recordBytes;
                    if (offset + (nuint)size <= _dataSize)
                    {
                        recordBytes = new ReadOnlySpan<byte>(data + offset, size);
                    }
                    else
                    {
                        var first = (int)(_dataSize - offset);
                        new ReadOnlySpan<byte>(data + offset, first).CopyTo(_scratch);
                        new ReadOnlySpan<byte>(data, size - first).CopyTo(_scratch.AsSpan(first));
                        recordBytes = _scratch.AsSpan(0, size);
                    }

                    if (type == PERF_RECORD_SAMPLE && size >= 12)
                    {
                        var rawSize = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(recordBytes[8..]);
                        handler(ref state, ring.Cpu, recordBytes.Slice(12, Math.Min(rawSize, size - 12)));
                        count++;
                    }
                    else if (type == PERF_RECORD_LOST && size >= 24)
                    {
                        LostSamples += System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(recordBytes[16..]);
                    }

                    tail += (ulong)size;
                }
            }
            finally
            {
                Volatile.Write(ref *(ulong*)(metadata + DataTailOffset), tail); // release the space to the kernel
            }
        }

        return count;
    }

    /// <summary>Waits until some CPU's ring is readable (true), the timeout passes (false) or the token is cancelled (throws).</summary>
    public bool WaitForData(int timeoutMilliseconds, CancellationToken cancellationToken = default) =>
        _waiter.Wait(timeoutMilliseconds, cancellationToken) > 0;

    /// <summary>Waits, then consumes whatever is there (the readiness of one CPU says nothing about the others).</summary>
    public int Poll<TState>(ref TState state, PerfSampleHandler<TState> handler, int timeoutMilliseconds, CancellationToken cancellationToken = default)
    {
        WaitForData(timeoutMilliseconds, cancellationToken);
        return Consume(ref state, handler);
    }

    /// <summary>Wakes a thread blocked in <see cref="WaitForData"/>.</summary>
    public void Wake() => _waiter?.Wake();

    /// <summary>Closes the per-CPU events and unmaps their rings (each once no call holds it); the map stays the caller's.</summary>
    public void Dispose()
    {
        _disposed = true;
        _waiter?.Dispose();
        if (_rings is null)
        {
            return;
        }

        foreach (var ring in _rings)
        {
            if (ring is null)
            {
                continue;
            }

            ring.Pages?.Dispose();

            if (!_map.Fd.IsClosed)
            {
                var key = (uint)ring.Cpu;
                _map.Delete(new ReadOnlySpan<byte>(&key, sizeof(uint)));
            }

            ring.Fd.Dispose();
        }
    }

    private sealed class CpuRing(int cpu, PerfEventFileDescriptor fd)
    {
        public int Cpu { get; } = cpu;

        public PerfEventFileDescriptor Fd { get; } = fd;

        public MappedRegion? Pages { get; set; }
    }
}
