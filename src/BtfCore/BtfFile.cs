using System.Buffers.Binary;

namespace RawBpf.BtfCore;

/// <summary>
/// The bytes of a raw BTF file, as the kernel (<c>/sys/kernel/btf/*</c>) or pahole write it. Pure: the Loader's
/// <c>BtfFileReader</c> reads (or maps) the file; an ELF file's <c>.BTF</c> section is found by <c>RawBpf.Elf.ElfBtfFile</c>.
/// </summary>
public static class BtfFile
{
    /// <summary>
    /// Parses raw BTF bytes, <paramref name="path"/> naming it in errors; <paramref name="baseBtf"/> for split
    /// BTF (a module's); <paramref name="acceptance"/> <see cref="BtfAcceptance.Bpftool"/> to dump what bpftool
    /// dumps. The result takes ownership of <paramref name="owner"/> (the memory's, e.g. a file mapping), disposed
    /// with it or at once if parsing fails.
    /// </summary>
    public static Btf Parse(ReadOnlyMemory<byte> data, string path, Btf? baseBtf = null, BtfAcceptance acceptance = BtfAcceptance.Strict, IDisposable? owner = null)
    {
        return Btf.Parse(data, owner, path, baseBtf, acceptance);
    }

    /// <summary>Where <c>btf_header.str_len</c> ends: the header fields that bound the whole blob.</summary>
    public const int HeaderLengthsEnd = 24;

    /// <summary>
    /// How many bytes to read: for raw BTF what its header declares (hdr_len plus the furthest section end), so
    /// a file that never ends (a procfs-like size of 0, or more bytes than declared) is not read past that; for
    /// an ELF file, its size. <paramref name="header"/> is the file's first <see cref="HeaderLengthsEnd"/> bytes
    /// (fewer if it is shorter).
    /// </summary>
    public static int DeclaredSize(ReadOnlySpan<byte> header, string path, long fileLength)
    {
        var isElf = header.Length >= 4 && header[0] == 0x7f && header[1] == (byte)'E' && header[2] == (byte)'L' && header[3] == (byte)'F';
        var isBtf = header.Length >= HeaderLengthsEnd && BinaryPrimitives.ReadUInt16LittleEndian(header) == Btf.Magic;
        ulong size;
        if (isBtf)
        {
            var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            var typesEnd = (ulong)BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) + BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
            var stringsEnd = (ulong)BinaryPrimitives.ReadUInt32LittleEndian(header[16..]) + BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
            size = headerLength + Math.Max(typesEnd, stringsEnd);
            if (fileLength > 0 && size > (ulong)fileLength)
                throw new BtfFormatException(path, 4, $"the BTF header declares {size} bytes, the file has {fileLength}");
        }
        else
        {
            size = isElf ? (ulong)fileLength : (ulong)header.Length;
        }
        if (size > (ulong)Array.MaxLength)
            throw new BtfFormatException(path, 0, $"file of {size} bytes is too large for BTF");
        return (int)size;
    }
}
