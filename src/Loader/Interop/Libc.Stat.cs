using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>struct statx</c> (linux/stat.h), 256 bytes with the same layout on every architecture, unlike
    /// <c>struct stat</c> (144 bytes on x86-64, 128 on arm64, st_mode at 24 or 16).
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct Statx
    {
        [FieldOffset(0x1c)] public ushort stx_mode;
        [FieldOffset(0x20)] public ulong stx_ino;
        [FieldOffset(0x28)] public ulong stx_size;
    }

    /// <summary>struct statfs: f_type first; 120 bytes on x86-64 and arm64 alike.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 120)]
    public struct StatFs
    {
        [FieldOffset(0)] public long f_type;
    }

    /// <summary>AT_FDCWD: a relative path is relative to the working directory.</summary>
    public const int AT_FDCWD = -100;

    /// <summary>AT_EMPTY_PATH: with an empty path, statx describes the descriptor itself (fstat).</summary>
    public const int AT_EMPTY_PATH = 0x1000;

    /// <summary>STATX_TYPE | STATX_MODE | STATX_INO.</summary>
    public const uint StatxTypeModeAndIno = 0x1 | 0x2 | 0x100;

    /// <summary>STATX_TYPE | STATX_SIZE.</summary>
    public const uint StatxTypeAndSize = 0x1 | 0x200;

    /// <summary><c>int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statx(int directoryFd, string path, int flags, uint mask, out Statx buffer);

    /// <summary><c>int statfs(const char *path, struct statfs *buf)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statfs(string path, out StatFs buffer);
}
