using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;

namespace RawBpf.Loader;

/// <summary>cgroup v2 ids as BPF sees them.</summary>
public static class Cgroup
{
    /// <summary><c>CGROUP2_SUPER_MAGIC</c> from uapi linux/magic.h.</summary>
    private const long Cgroup2SuperMagic = 0x63677270;

    /// <summary>
    /// The id <c>bpf_get_current_cgroup_id()</c> returns for tasks in the cgroup v2 directory
    /// <paramref name="path"/>: its kernfs node id, which the file system reports as the inode number.
    /// </summary>
    public static ulong GetId(string path)
    {
        if (Libc.statfs(path, out var fileSystem) != 0)
            throw new LinuxSyscallException($"statfs({path})", Marshal.GetLastPInvokeError());
        if (fileSystem.f_type != Cgroup2SuperMagic)
            throw new ArgumentException($"{path} is not a directory of a cgroup v2 file system", nameof(path));
        if (Libc.stat(path, out var status) != 0)
            throw new LinuxSyscallException($"stat({path})", Marshal.GetLastPInvokeError());
        return status.st_ino;
    }
}
