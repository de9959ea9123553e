using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RawBpf.BtfCore;

/// <summary>
/// A file that could not be read: not there, not readable, not a regular file, or an I/O error while reading it.
/// Not a format error: nothing is known about its bytes.
/// </summary>
public sealed class InputFileException(string path, string message) : RawBpfException(message)
{
    /// <summary>The file as it was named.</summary>
    public string Path { get; } = path;
}

/// <summary>
/// Opens a file that root was handed (a BTF file, a BPF object) without trusting what it is: <c>O_NONBLOCK</c>,
/// so a FIFO cannot block the open, then <c>statx</c> on the descriptor, so only a regular file (sysfs BTF files
/// are regular files with their size) is read at all. /dev/zero, a FIFO or a directory fail at once.
/// </summary>
internal static partial class InputFile
{
    private const int ReadOnly = 0;             // O_RDONLY
    private const int NonBlocking = 0x800;      // O_NONBLOCK (x86-64 and arm64 alike)
    private const int CloseOnExec = 0x80000;    // O_CLOEXEC
    private const int EmptyPath = 0x1000;       // AT_EMPTY_PATH: statx the descriptor itself
    private const uint WantTypeAndSize = 0x1 | 0x200;   // STATX_TYPE | STATX_SIZE
    private const int StatxSize = 256;          // sizeof(struct statx), the same on every architecture
    private const int ModeOffset = 0x1c;        // stx_mode
    private const int SizeOffset = 0x28;        // stx_size

    /// <summary>
    /// Opens <paramref name="path"/> for reading if it is a regular file; its size as fstat reports it. Errors
    /// read "PATH: cannot open <paramref name="what"/>: reason".
    /// </summary>
    public static (SafeFileHandle Handle, long Length) OpenRegular(string path, string what)
    {
        var fd = open(path, ReadOnly | NonBlocking | CloseOnExec);
        if (fd < 0)
            throw new InputFileException(path, $"{path}: cannot open {what}: {LastError()}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Span<byte> status = stackalloc byte[StatxSize];
            if (statx(fd, "", EmptyPath, WantTypeAndSize, ref MemoryMarshal.GetReference(status)) != 0)
                throw new InputFileException(path, $"{path}: cannot open {what}: fstat: {LastError()}");
            var mode = BitConverter.ToUInt16(status[ModeOffset..]) & 0xf000;   // S_IFMT
            if (mode != 0x8000)                                                // S_IFREG
                throw new InputFileException(path, $"{path}: cannot open {what}: {TypeName(mode)}, not a regular file");
            return (handle, (long)BitConverter.ToUInt64(status[SizeOffset..]));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads up to <paramref name="length"/> bytes from <paramref name="offset"/>, fewer at end of file (sysfs and
    /// procfs may serve another size than they report). The caller bounds <paramref name="length"/>.
    /// </summary>
    public static byte[] Read(SafeFileHandle handle, string path, long offset, int length)
    {
        var buffer = new byte[length];
        var total = 0;
        try
        {
            while (total < length)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(total), offset + total);
                if (read == 0)
                    break;
                total += read;
            }
        }
        catch (IOException)
        {
            // .NET's message would be a resource key in the AOT tools: say it in our words.
            throw new InputFileException(path, $"{path}: cannot read: I/O error at offset {offset + total}");
        }
        return total == length ? buffer : buffer[..total];
    }

    /// <summary>strerror's words for errno, lower-case as the tools print them ("no such file or directory").</summary>
    private static string LastError()
    {
        var text = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }

    private static string TypeName(int mode) => mode switch
    {
        0x1000 => "is a FIFO",
        0x2000 => "is a character device",
        0x4000 => "is a directory",
        0x6000 => "is a block device",
        0xc000 => "is a socket",
        _ => $"has file type 0x{mode:x}",
    };

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
}
