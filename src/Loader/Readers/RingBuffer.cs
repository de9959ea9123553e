using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Uapi;

namespace RawBpf.Loader.Readers;

/// <summary>Receives one ring buffer record; the span points into the shared mapping and is valid only during the call.</summary>
public delegate void RingBufferRecordHandler<TState>(ref TState state, ReadOnlySpan<byte> record);

/// <summary>
/// Reader of a BPF_MAP_TYPE_RINGBUF map (5.8) through its mmap'ed pages (kernel/bpf/ringbuf.c):
/// <list type="bullet">
/// <item>offset 0, one page, read-write: the consumer page, starting with <c>consumer_pos</c> (written by us);</item>
/// <item>offset page_size, read-only: the producer page (<c>producer_pos</c>) followed by the data pages mapped
/// twice in a row, so a record that wraps around the end is still contiguous in our address space.</item>
/// </list>
/// Each record has an 8-byte header: <c>u32 len</c> (bit 31 BPF_RINGBUF_BUSY_BIT: reserved but not yet committed;
/// bit 30 BPF_RINGBUF_DISCARD_BIT: discarded) and <c>u32 pg_off</c>; records start on 8-byte boundaries.
/// Reading allocates nothing: records are handed out as spans over the mapping, valid until committed.
/// Not thread-safe: one consumer thread (the kernel supports only one consumer position anyway). Another thread
/// may <see cref="Wake"/> the consumer and <see cref="Dispose"/> the reader: each call holds the mappings while it
/// runs, so a call in progress finishes and the next one throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed unsafe class RingBuffer : IDisposable
{
    private const uint BusyBit = 1u << 31;     // BPF_RINGBUF_BUSY_BIT
    private const uint DiscardBit = 1u << 30;  // BPF_RINGBUF_DISCARD_BIT
    private const int HeaderSize = 8;          // BPF_RINGBUF_HDR_SZ

    private readonly BpfMap _map;
    private readonly nuint _pageSize;
    private readonly nuint _dataSize;
    private readonly ulong _mask;
    private readonly EventWaiter _waiter;
    private readonly MappedRegion _consumerPage;
    private readonly MappedRegion _producerPages;
    private ulong _cursor;

    /// <summary>Maps <paramref name="map"/> (which stays owned by the caller) and registers it for epoll.</summary>
    public RingBuffer(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Type != BpfMapType.Ringbuf)
        {
            throw new ArgumentException($"map \"{map.Name}\" is {UapiNames.Of(map.Type)}, not RINGBUF", nameof(map));
        }

        _map = map;
        _pageSize = (nuint)Environment.SystemPageSize;
        _dataSize = map.MaxEntries;
        _mask = _dataSize - 1;
        _consumerPage = MappedRegion.MapShared(this, map.Fd, _pageSize, Libc.PROT_READ | Libc.PROT_WRITE, 0);
        try
        {
            _producerPages = MappedRegion.MapShared(this, map.Fd, _pageSize + (2 * _dataSize), Libc.PROT_READ, (long)_pageSize);
            _waiter = new EventWaiter(1);
            _waiter.Add(map.Fd, 0);
        }
        catch
        {
            Dispose();
            throw;
        }

        using var consumer = _consumerPage.Acquire();
        _cursor = Volatile.Read(ref ConsumerPosition(consumer));
    }

    /// <summary>The data area size in bytes (the map's max_entries).</summary>
    public int DataSize => (int)_dataSize;

    /// <summary>Bytes the producer has committed or reserved beyond what we have read.</summary>
    public long PendingBytes
    {
        get
        {
            using var producer = _producerPages.Acquire();
            return (long)(Volatile.Read(ref ProducerPosition(producer)) - _cursor);
        }
    }

    private static ref ulong ConsumerPosition(in MappedRegion.Lease consumerPage) => ref *(ulong*)consumerPage.Pointer;

    private static ref ulong ProducerPosition(in MappedRegion.Lease producerPages) => ref *(ulong*)producerPages.Pointer;

    /// <summary>
    /// Returns the next committed record, skipping discarded ones; false when there is none or the next one is
    /// still being written (busy). The span stays valid until <see cref="Commit"/>, which frees it for the producer,
    /// and only while this reader is not disposed: a reader another thread may dispose uses <see cref="Consume"/>.
    /// </summary>
    public bool TryRead(out ReadOnlySpan<byte> record)
    {
        using var producerPages = _producerPages.Acquire();
        var data = producerPages.Pointer + _pageSize;

        // Acquire: the records below producer_pos were written before the kernel published it.
        var producer = Volatile.Read(ref ProducerPosition(producerPages));
        while (_cursor < producer)
        {
            var header = (uint*)(data + (_cursor & _mask));

            // Acquire: the kernel clears BUSY with a release store once the record's bytes are in place.
            var length = Volatile.Read(ref *header);
            if ((length & BusyBit) != 0)
            {
                break; // reserved, not yet submitted: records after it must wait too (they are consumed in order)
            }

            var dataLength = length & ~(BusyBit | DiscardBit);
            if (dataLength > _dataSize - HeaderSize)
            {
                throw new RingBufferCorruptException(_map.Name, _cursor, dataLength, _dataSize);
            }

            var start = _cursor;
            _cursor += (dataLength + HeaderSize + 7) & ~7u;
            if ((length & DiscardBit) != 0)
            {
                continue;
            }

            record = new ReadOnlySpan<byte>(data + (start & _mask) + HeaderSize, (int)dataLength);
            return true;
        }

        record = default;
        return false;
    }

    /// <summary>Publishes the read position: records returned so far are released to the producer.</summary>
    public void Commit()
    {
        using var consumerPage = _consumerPage.Acquire();
        Publish(consumerPage, _cursor);
    }

    private static void Publish(in MappedRegion.Lease consumerPage, ulong cursor)
    {
        // Release: our reads of the records happen before the kernel may overwrite them.
        if (Volatile.Read(ref ConsumerPosition(consumerPage)) != cursor)
        {
            Volatile.Write(ref ConsumerPosition(consumerPage), cursor);
        }
    }

    /// <summary>
    /// Hands every available record to <paramref name="handler"/>, publishing the read position each time it has
    /// caught up with the producer position it read (so the producer gets the space back batch by batch). A static
    /// lambda as the handler and a struct state make this allocation-free. Returns the number of records handled.
    /// The mappings are held for the whole call (one reference each, not one per record), so a
    /// <see cref="Dispose"/> from another thread meanwhile takes effect when the call returns.
    /// </summary>
    public int Consume<TState>(ref TState state, RingBufferRecordHandler<TState> handler, int maxRecords = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(handler);
        using var consumerPage = _consumerPage.Acquire();
        using var producerPages = _producerPages.Acquire();

        // The hot loop works on locals: the handler is an opaque call, so fields would be reloaded after each record.
        var data = producerPages.Pointer + _pageSize;
        var producerPosition = (ulong*)producerPages.Pointer;
        var consumerPosition = (ulong*)consumerPage.Pointer;
        var mask = _mask;
        var maxDataLength = _dataSize - HeaderSize;
        var cursor = _cursor;
        var count = 0;
        try
        {
            while (count < maxRecords)
            {
                // Acquire: the records below producer_pos were written before the kernel published it.
                var producer = Volatile.Read(ref *producerPosition);
                if (cursor >= producer)
                {
                    break;
                }

                while (cursor < producer && count < maxRecords)
                {
                    // Acquire: the kernel clears BUSY with a release store once the record's bytes are in place.
                    var length = Volatile.Read(ref *(uint*)(data + (cursor & mask)));
                    if ((length & BusyBit) != 0)
                    {
                        return count; // reserved, not yet submitted: later records wait for it (the finally commits)
                    }

                    var dataLength = length & ~(BusyBit | DiscardBit);
                    if (dataLength > maxDataLength)
                    {
                        throw new RingBufferCorruptException(_map.Name, cursor, dataLength, _dataSize);
                    }

                    var start = cursor;
                    cursor += (dataLength + HeaderSize + 7) & ~7u;
                    _cursor = cursor; // a handler that throws has consumed its record, as with TryRead
                    if ((length & DiscardBit) == 0)
                    {
                        handler(ref state, new ReadOnlySpan<byte>(data + (start & mask) + HeaderSize, (int)dataLength));
                        count++;
                    }
                }

                // Release: our reads of this batch happen before the kernel may overwrite it.
                Volatile.Write(ref *consumerPosition, cursor);
            }
        }
        finally
        {
            Publish(consumerPage, _cursor);
        }

        return count;
    }

    /// <summary>
    /// Waits until data is available (returns true), the timeout passes (false; -1 waits forever), or the token
    /// is cancelled (throws <see cref="OperationCanceledException"/>).
    /// </summary>
    public bool WaitForData(int timeoutMilliseconds, CancellationToken cancellationToken = default)
    {
        if (PendingBytes > 0)
        {
            return true;
        }

        // Readiness is level-triggered on producer_pos != consumer_pos, so no wake-up can be lost here.
        Commit();
        return _waiter.Wait(timeoutMilliseconds, cancellationToken) > 0 || PendingBytes > 0;
    }

    /// <summary>Waits (see <see cref="WaitForData"/>) and consumes what is there.</summary>
    public int Poll<TState>(ref TState state, RingBufferRecordHandler<TState> handler, int timeoutMilliseconds, CancellationToken cancellationToken = default) =>
        WaitForData(timeoutMilliseconds, cancellationToken) ? Consume(ref state, handler) : 0;

    /// <summary>Wakes a thread blocked in <see cref="WaitForData"/>.</summary>
    public void Wake() => _waiter?.Wake();

    /// <summary>Unmaps the ring (once no call holds it) and closes the epoll set; the map stays the caller's.</summary>
    public void Dispose()
    {
        _waiter?.Dispose();
        _producerPages?.Dispose();
        _consumerPage?.Dispose();
        GC.KeepAlive(_map);
    }
}
