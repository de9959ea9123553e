using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static unsafe partial class Libc
{
    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x01;
    public const int MAP_PRIVATE = 0x02;

    /// <summary>(void*)-1.</summary>
    public static readonly nint MapFailed = -1;

    /// <summary><c>void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial void* mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    /// <summary><c>int munmap(void *addr, size_t length)</c>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(void* address, nuint length);
}
