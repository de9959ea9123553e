using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using RawBpf.Loader.Interop;

namespace RawBpf.Loader.Host;

/// <summary>A file the reader refuses before reading it: not there, not readable, or not a regular file.</summary>
public sealed class InputFileException(string message) : IOException(message);

/// <summary>
/// Opens a file that root was handed (a BTF file, a BPF object) without trusting what it is: <c>O_NONBLOCK</c>,
/// so a FIFO cannot block the open, then <c>statx</c> on the descriptor, so only a regular file (sysfs BTF files
/// are regular files with their size) is read at all. /dev/zero, a FIFO or a directory fail at once.
/// </summary>
public static class InputFile
{

    /// <summary>
    /// Opens <paramref name="path"/> for reading if it is a regular file; its size as fstat reports it. Errors
    /// read "PATH: cannot open <paramref name="what"/>: reason".
    /// </summary>
    public static (SafeFileHandle Handle, long Length) OpenRegular(string path, string what)
    {
        var fd = Libc.open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
            throw new InputFileException($"{path}: cannot open {what}: {LastError()}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (Libc.statx(fd, "", Libc.AT_EMPTY_PATH, Libc.StatxTypeAndSize, out var status) != 0)
                throw new InputFileException($"{path}: cannot open {what}: fstat: {LastError()}");
            var mode = status.stx_mode & 0xf000;   // S_IFMT
            if (mode != 0x8000)                                                // S_IFREG
                throw new InputFileException($"{path}: cannot open {what}: {TypeName(mode)}, not a regular file");
            return (handle, (long)status.stx_size);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads the whole of regular file <paramref name="path"/>, as far as its size (errors as <see cref="OpenRegular"/>'s).</summary>
    public static byte[] ReadAll(string path, string what)
    {
        var (handle, length) = OpenRegular(path, what);
        using (handle)
        {
            if (length > Array.MaxLength)
                throw new InputFileException($"{path}: cannot read {what}: file of {length} bytes is too large");
            return Read(handle, path, 0, (int)length);
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
            throw new InputFileException($"{path}: cannot read: I/O error at offset {offset + total}");
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
}
