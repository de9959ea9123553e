using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static partial class Libc
{
    /// <summary>AT_EMPTY_PATH: statx the descriptor itself.</summary>
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_TYPE = 0x1;
    public const uint STATX_SIZE = 0x200;

    /// <summary>sizeof(struct statx), the same on every architecture (stx_mode at 0x1c, stx_size at 0x28).</summary>
    public const int StatxSize = 256;

    /// <summary><c>int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)</c>.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
}
