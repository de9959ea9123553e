using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Objects;

/// <summary>
/// A BTF blob loaded into the kernel (BPF_BTF_LOAD): maps reference its type ids for keys and values, programs
/// for func_info and line_info.
/// </summary>
public sealed unsafe class BpfBtfObject : IDisposable
{
    private BpfBtfObject(BpfFileDescriptor fd, string? log)
    {
        Fd = fd;
        Log = log;
    }

    public BpfFileDescriptor Fd { get; }

    /// <summary>The kernel's log, when one was requested.</summary>
    public string? Log { get; }

    /// <summary>
    /// Loads raw BTF (header, type and string sections), retrying with a log after a failure.
    /// </summary>
    /// <param name="rawBtf">The blob, e.g. an object's .BTF section after sanitizing.</param>
    /// <param name="logLevel">0: log only on failure.</param>
    /// <exception cref="BpfBtfLoadException">The kernel rejected the BTF.</exception>
    public static BpfBtfObject Load(ReadOnlySpan<byte> rawBtf, uint logLevel = 0)
    {
        MemlockLimit.RaiseIfNeeded();
        var outcome = TryLoadCore(rawBtf, logLevel);
        if (outcome.Fd < 0)
        {
            throw new BpfBtfLoadException(outcome.Errno, outcome.Log, outcome.LogTruncated);
        }

        return new BpfBtfObject(BpfSyscall.OwnFd(outcome.Fd), outcome.Log);
    }

    /// <summary>A single attempt without a log: the probes only want yes or no.</summary>
    internal static bool Probe(ReadOnlySpan<byte> rawBtf)
    {
        fixed (byte* blob = rawBtf)
        {
            var attr = new BtfLoadAttr { Btf = (ulong)blob, BtfSize = (uint)rawBtf.Length };
            var fd = BpfSyscall.Invoke(BpfCommand.BtfLoad, ref attr, out _);
            if (fd < 0)
            {
                return false;
            }

            BpfSyscall.OwnFd(fd).Dispose();
            return true;
        }
    }

    private static LogRetry.Outcome TryLoadCore(ReadOnlySpan<byte> rawBtf, uint logLevel)
    {
        fixed (byte* blob = rawBtf)
        {
            var attr = new BtfLoadAttr { Btf = (ulong)blob, BtfSize = (uint)rawBtf.Length };
            return LogRetry.Run(
                ref attr,
                static (ref BtfLoadAttr attr, byte* log, uint logSize, uint level, out int errno, out uint trueSize) =>
                {
                    attr.BtfLogBuf = (ulong)log;
                    attr.BtfLogSize = logSize;
                    attr.BtfLogLevel = level;
                    var fd = BpfSyscall.Invoke(BpfCommand.BtfLoad, ref attr, out errno);
                    trueSize = attr.BtfLogTrueSize;
                    return fd;
                },
                logLevel,
                LogRetry.DefaultMaxLogSize);
        }
    }

    /// <summary>BPF_OBJ_GET_INFO_BY_FD: the BTF object's id.</summary>
    public BtfInformation GetInfo() => ObjectInfo.GetBtfInfo(Fd);

    public void Dispose() => Fd.Dispose();
}
