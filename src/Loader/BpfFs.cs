using RawBpf.Loader.Interop;

namespace RawBpf.Loader;

/// <summary>
/// The BPF file system: pinning gives objects a path that outlives the process. Objects can only be pinned
/// inside a mounted bpffs, conventionally at /sys/fs/bpf.
/// </summary>
public static unsafe class BpfFs
{
    public const string DefaultMountPoint = "/sys/fs/bpf";

    /// <summary>True when a bpf file system is mounted at <paramref name="mountPoint"/> (per /proc/self/mountinfo).</summary>
    public static bool IsMounted(string mountPoint = DefaultMountPoint) =>
        MountInfo.FindMountPoints("bpf").Contains(mountPoint);

    /// <summary>Mounts bpffs at <paramref name="mountPoint"/> unless one is there already; needs CAP_SYS_ADMIN.</summary>
    public static void EnsureMounted(string mountPoint = DefaultMountPoint)
    {
        if (IsMounted(mountPoint))
        {
            return;
        }

        Directory.CreateDirectory(mountPoint);
        KernelCalls.Mount("bpf", mountPoint, "bpf");
    }

    /// <summary>BPF_OBJ_PIN; under /sys/fs/bpf, mounts bpffs there first if it is missing.</summary>
    public static void Pin(BpfFileDescriptor fd, string path)
    {
        ArgumentNullException.ThrowIfNull(fd);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.StartsWith(DefaultMountPoint + "/", StringComparison.Ordinal))
        {
            EnsureMounted();
        }
        var bytes = NullTerminated(path);
        fixed (byte* pathPointer = bytes)
        {
            using var lease = fd.Lease();
            var attr = new ObjPinAttr { Pathname = (ulong)pathPointer, BpfFd = lease.Fd };
            BpfSyscall.InvokeOrThrow(BpfCommand.ObjPin, ref attr, $"\"{path}\"");
        }
    }

    /// <summary>BPF_OBJ_GET: a new fd for the object pinned at <paramref name="path"/>.</summary>
    public static BpfFileDescriptor GetPinned(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = NullTerminated(path);
        fixed (byte* pathPointer = bytes)
        {
            var attr = new ObjGetAttr { Pathname = (ulong)pathPointer };
            return BpfSyscall.InvokeForFd(BpfCommand.ObjGet, ref attr, $"\"{path}\"");
        }
    }

    internal static byte[] NullTerminated(string text)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(text) + 1];
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
