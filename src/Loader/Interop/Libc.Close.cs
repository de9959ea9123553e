using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static partial class Libc
{
    /// <summary><c>int close(int fd)</c>: called only from <see cref="FileDescriptorHandle.ReleaseHandle"/>.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);
}
