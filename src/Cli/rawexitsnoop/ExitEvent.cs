using System.Buffers.Binary;

namespace RawBpf.Cli;

/// <summary>
/// A view of one <c>struct exitsnoop_event</c> (bpf/include/exitsnoop.h) straight from the ring buffer:
/// 80 bytes, little-endian, decoded by offset on access so a record costs no copy and no allocation.
/// </summary>
internal readonly ref struct ExitEvent
{
    public const int Size = 80;
    public const int CommLength = 16;

    // EXITSNOOP_FLAG_* from exitsnoop.h
    public const uint FlagProcess = 0x1;
    public const uint FlagGroupExit = 0x2;
    public const uint FlagLeader = 0x4;
    public const uint FlagLiveFallback = 0x8;

    private readonly ReadOnlySpan<byte> _record;

    public ExitEvent(ReadOnlySpan<byte> record)
    {
        if (record.Length < Size)
            throw new InvalidDataException($"exit record of {record.Length} bytes, expected {Size}");
        _record = record;
    }

    public ulong ExitTimeNs => BinaryPrimitives.ReadUInt64LittleEndian(_record);
    public ulong ProcessStartNs => BinaryPrimitives.ReadUInt64LittleEndian(_record[8..]);
    public ulong ThreadStartNs => BinaryPrimitives.ReadUInt64LittleEndian(_record[16..]);
    public ulong CgroupId => BinaryPrimitives.ReadUInt64LittleEndian(_record[24..]);
    public uint Pid => BinaryPrimitives.ReadUInt32LittleEndian(_record[32..]);
    public uint Tid => BinaryPrimitives.ReadUInt32LittleEndian(_record[36..]);
    public uint Ppid => BinaryPrimitives.ReadUInt32LittleEndian(_record[40..]);
    public uint Uid => BinaryPrimitives.ReadUInt32LittleEndian(_record[44..]);

    /// <summary>The raw wait(2) status word the parent sees.</summary>
    public int Status => BinaryPrimitives.ReadInt32LittleEndian(_record[48..]);

    public uint Flags => BinaryPrimitives.ReadUInt32LittleEndian(_record[56..]);

    /// <summary>The comm bytes up to the first NUL.</summary>
    public ReadOnlySpan<byte> Comm
    {
        get
        {
            var comm = _record.Slice(64, CommLength);
            var end = comm.IndexOf((byte)0);
            return end < 0 ? comm : comm[..end];
        }
    }

    public bool IsProcessExit => (Flags & FlagProcess) != 0;

    /// <summary>WTERMSIG: the signal that ended it, 0 for a normal exit.</summary>
    public int Signal => Status & 0x7f;

    /// <summary>WCOREDUMP.</summary>
    public bool CoreDumped => (Status & 0x80) != 0;

    /// <summary>WEXITSTATUS, meaningful when <see cref="Signal"/> is 0.</summary>
    public int ExitCode => (Status >> 8) & 0xff;

    /// <summary>Age at exit: from the process's start for a process record, the thread's for a thread record.</summary>
    public ulong DurationNs
    {
        get
        {
            var start = IsProcessExit ? ProcessStartNs : ThreadStartNs;
            return ExitTimeNs > start ? ExitTimeNs - start : 0;
        }
    }
}
