using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Host;

/// <summary>
/// The BPF file system: pinning gives objects a path that outlives the process. Objects can only be pinned
/// inside a mounted bpffs, conventionally at /sys/fs/bpf.
/// </summary>
public static unsafe class BpfFs
{
    public const string DefaultMountPoint = "/sys/fs/bpf";

    /// <summary><c>BPF_FS_MAGIC</c> (uapi linux/magic.h): statfs's f_type on a bpf file system.</summary>
    public const long Magic = 0xcafe4a11;

    /// <summary>True when <paramref name="path"/>, symbolic links followed, lies on a bpf file system (statfs).</summary>
    public static bool IsOnBpfFs(string path) => Libc.statfs(path, out var fileSystem) == 0 && fileSystem.f_type == Magic;

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
            if (BpfSyscall.Invoke(BpfCommand.ObjPin, ref attr, out var errno) < 0)
            {
                throw new BpfPinException(path, errno);
            }
        }
    }

    /// <summary>
    /// Creates <paramref name="path"/> and its missing parents as bpffs directories for pins (mode 0700, as libbpf
    /// makes them), after checking that the nearest existing ancestor, symbolic links followed, is on a bpf file
    /// system: nothing is made outside one. Under /sys/fs/bpf, mounts bpffs there first if it is missing.
    /// </summary>
    /// <param name="path">The directory; relative to the current directory, and with "." and ".." resolved by name (<see cref="Path.GetFullPath(string)"/>).</param>
    /// <param name="created">The directories made, outermost first (none when <paramref name="path"/> existed).</param>
    /// <returns>The full path checked and made: pin under it, not under <paramref name="path"/>, so ".." cannot lead elsewhere.</returns>
    /// <exception cref="BpfPinDirectoryException">The path is not (or would not be) a directory on a bpf file system.</exception>
    public static string CreatePinDirectory(string path, out IReadOnlyList<string> created)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (full.StartsWith(DefaultMountPoint + "/", StringComparison.Ordinal))
        {
            EnsureMounted();
        }

        var missing = new Stack<string>();
        var existing = full;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing) || new FileInfo(existing).LinkTarget is not null)
            {
                throw new BpfPinDirectoryException(existing, NotADirectory(existing));
            }

            missing.Push(existing);
            existing = Path.GetDirectoryName(existing) ?? "/";
        }

        if (!IsOnBpfFs(existing))
        {
            var target = new DirectoryInfo(existing).ResolveLinkTarget(returnFinalTarget: true) is { } link ? $" (a symbolic link to {link.FullName})" : "";
            var where = existing == full ? $"{full}{target} is" : $"{full} would be made in {existing}{target}, which is";
            throw new BpfPinDirectoryException(full, $"{where} not on a BPF file system: pins live in a bpffs mount (mount -t bpf bpf /sys/fs/bpf)");
        }

        var made = new List<string>();
        foreach (var directory in missing)
        {
            var result = Libc.mkdir(directory, 0x1c0);
            var errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (SyscallTrace.IsEnabled)
            {
                SyscallTrace.Emit("mkdir", $"\"{directory}\", 0700", result, errno);
            }

            if (result < 0)
            {
                RemoveDirectories(made);
                throw new LinuxSyscallException($"mkdir({directory})", errno);
            }

            made.Add(directory);
        }

        created = made;
        return full;
    }

    /// <summary>Removes directories made by <see cref="CreatePinDirectory"/>, innermost first; any that is no longer empty stays.</summary>
    public static void RemoveDirectories(IReadOnlyList<string> directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        for (var i = directories.Count - 1; i >= 0; i--)
        {
            _ = Libc.rmdir(directories[i]);
        }
    }

    private static string NotADirectory(string path)
    {
        if (new FileInfo(path).LinkTarget is { } target && !Path.Exists(path))
        {
            return $"{path} is a symbolic link to {target}, which does not exist";
        }

        return IsOnBpfFs(path)
            ? $"{path} is a pinned BPF object (a program, map or link), not a directory: choose another directory or remove the pin (rm {path})"
            : $"{path} is a file, not a directory";
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

/// <summary>A directory for pins that is not one, or is not on a bpf file system; nothing was created.</summary>
public sealed class BpfPinDirectoryException : Exception
{
    public BpfPinDirectoryException(string path, string message) : base(message)
    {
        Path = path;
    }

    /// <summary>The path at fault: the directory asked for, or the existing file in its way.</summary>
    public string Path { get; }
}
