using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

internal static partial class Libc
{
    /// <summary>struct stat (x86-64): st_dev at 0, st_ino at 8, st_mode at 24; 144 bytes in all.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 144)]
    public struct Stat
    {
        [FieldOffset(8)] public ulong st_ino;
        [FieldOffset(24)] public uint st_mode;
    }

    /// <summary>struct statfs (x86-64): f_type first; 120 bytes in all.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 120)]
    public struct StatFs
    {
        [FieldOffset(0)] public long f_type;
    }

    /// <summary><c>int stat(const char *path, struct stat *buf)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int stat(string path, out Stat buffer);

    /// <summary><c>int statfs(const char *path, struct statfs *buf)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statfs(string path, out StatFs buffer);

}
