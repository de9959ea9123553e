using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>int mount(const char *source, const char *target, const char *filesystemtype, unsigned long mountflags,
    /// const void *data)</c>; used for tracefs and bpffs, which take no options (data NULL).
    /// </summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string source, string target, string fileSystemType, ulong flags, nint data);
}
