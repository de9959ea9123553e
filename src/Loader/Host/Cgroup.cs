using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Uapi;

namespace RawBpf.Loader.Host;

/// <summary>cgroup v2 directories as BPF sees them: their ids, and their place in a cgroup array map.</summary>
public static class Cgroup
{
    /// <summary><c>CGROUP2_SUPER_MAGIC</c> from uapi linux/magic.h.</summary>
    private const long Cgroup2SuperMagic = 0x63677270;

    /// <summary>Where cgroup2 is mounted: <c>/sys/fs/cgroup</c>, or <c>/sys/fs/cgroup/unified</c> in a hybrid layout.</summary>
    public static IReadOnlyList<string> MountPoints => MountInfo.FindMountPoints("cgroup2");

    /// <summary>
    /// The cgroup v2 directory <paramref name="path"/> names: the path itself when it is one, else the path as
    /// /proc/PID/cgroup shows it (<c>0::/system.slice/x.service</c>), taken from the cgroup2 mount point.
    /// </summary>
    /// <exception cref="ArgumentException">Neither is a cgroup v2 directory; the message says where cgroup2 is mounted.</exception>
    /// <exception cref="LinuxSyscallException">The path could not be examined (e.g. EACCES on a directory above it).</exception>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (IsCgroup2Directory(path))
            return path;
        var mountPoints = MountPoints;
        foreach (var mountPoint in mountPoints)
        {
            var underMount = Path.Join(mountPoint, path.TrimStart('/'));
            if (IsCgroup2Directory(underMount))
                return underMount;
        }
        throw new ArgumentException(mountPoints.Count == 0
            ? "no cgroup v2 file system is mounted (mount -t cgroup2 none /sys/fs/cgroup)"
            : $"not a cgroup v2 directory; cgroup v2 is mounted at {string.Join(" and ", mountPoints)}: give a directory under it, or the path /proc/PID/cgroup shows");
    }

    /// <summary>
    /// The id <c>bpf_get_current_cgroup_id()</c> returns for tasks in the cgroup v2 directory
    /// <paramref name="path"/>: its kernfs node id, which the file system reports as the inode number.
    /// </summary>
    public static ulong GetId(string path)
    {
        if (!IsCgroup2Directory(path))
            throw new ArgumentException($"{path} is not a directory of a cgroup v2 file system");
        if (Libc.statx(Libc.AT_FDCWD, path, 0, Libc.StatxTypeModeAndIno, out var status) != 0)
            throw new LinuxSyscallException($"statx({path})", Marshal.GetLastPInvokeError());
        return status.stx_ino;
    }

    /// <summary>
    /// Stores cgroup v2 directory <paramref name="path"/> at <paramref name="index"/> of a BPF_MAP_TYPE_CGROUP_ARRAY
    /// map, where <c>bpf_current_task_under_cgroup()</c> tests a task against it and all its descendants. The map
    /// keeps its own reference to the cgroup: the directory's descriptor is closed again here.
    /// </summary>
    public static void StoreInArray(BpfMap cgroupArray, uint index, string path)
    {
        ArgumentNullException.ThrowIfNull(cgroupArray);
        var fd = Libc.open(path, Libc.O_RDONLY | ArchitectureAbi.Current.OpenDirectory | Libc.O_CLOEXEC);
        if (fd < 0)
            throw new LinuxSyscallException($"open({path})", Marshal.GetLastPInvokeError());
        using var directory = new CgroupFileDescriptor(fd);
        cgroupArray.Update(index, fd);
    }

    /// <summary>Whether <paramref name="path"/> is a directory on cgroup2; a missing path is not, other errors throw.</summary>
    private static bool IsCgroup2Directory(string path)
    {
        if (Libc.statfs(path, out var fileSystem) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is Errno.ENOENT or Errno.ENOTDIR
                ? false
                : throw new LinuxSyscallException($"statfs({path})", errno);
        }
        return fileSystem.f_type == Cgroup2SuperMagic && Directory.Exists(path);
    }
}

/// <summary>An open cgroup v2 directory, as a cgroup array map takes it.</summary>
internal sealed class CgroupFileDescriptor : FileDescriptorHandle
{
    internal CgroupFileDescriptor(int fd)
        : base(fd)
    {
    }
}
