using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static RawBpf.Cli.ExitsnoopSkeleton;

namespace RawBpf.Cli;

/// <summary>
/// One <c>struct exitsnoop_event</c> (bpf/include/exitsnoop.h) straight from the ring buffer, through the struct the
/// skeleton generator made from the object's BTF: a reference into the record, so a record costs no copy and no allocation.
/// </summary>
internal readonly ref struct ExitEvent
{
    /// <summary>The record's size in bytes.</summary>
    public static int Size => Unsafe.SizeOf<ExitsnoopEvent>();

    /// <summary>The size of the comm buffer, NUL included.</summary>
    public static int CommLength => Unsafe.SizeOf<ByteArray16>();

    private readonly ref readonly ExitsnoopEvent _event;

    public ExitEvent(ReadOnlySpan<byte> record)
    {
        if (record.Length < Size)
            throw new InvalidDataException($"exit record of {record.Length} bytes, expected {Size}");
        _event = ref MemoryMarshal.AsRef<ExitsnoopEvent>(record);
    }

    public ulong ExitTimeNs => _event.ExitTimeNs;
    public ulong ProcessStartNs => _event.ProcessStartNs;
    public ulong ThreadStartNs => _event.ThreadStartNs;
    public ulong CgroupId => _event.CgroupId;
    public uint Pid => _event.Pid;
    public uint Tid => _event.Tid;
    public uint Ppid => _event.Ppid;
    public uint Uid => _event.Uid;

    /// <summary>The raw wait(2) status word the parent sees.</summary>
    public int Status => _event.ExitCode;

    public ExitsnoopFlag Flags => (ExitsnoopFlag)_event.Flags;

    /// <summary>The comm bytes up to the first NUL.</summary>
    public ReadOnlySpan<byte> Comm
    {
        get
        {
            ReadOnlySpan<byte> comm = _event.Comm;
            var end = comm.IndexOf((byte)0);
            return end < 0 ? comm : comm[..end];
        }
    }

    public bool IsProcessExit => (Flags & ExitsnoopFlag.Process) != 0;

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
