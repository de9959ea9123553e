using System.Buffers.Binary;

namespace RawBpf.BtfCore;

/// <summary>
/// The bytes of a raw BTF file, as the kernel (<c>/sys/kernel/btf/*</c>) or <c>pahole --btf_encode_detached</c> write
/// it. Pure: the Loader's <c>BtfFileReader</c> reads (or maps) the file. BtfCore reads no ELF: the <c>.BTF</c> section
/// of an ELF file (a BPF object, pahole -J, BTFHub) is found by <c>RawBpf.Elf.ElfBtfFile</c>, through ELFSharp.
/// </summary>
public static class BtfFile
{
    /// <summary>
    /// Parses a BTF file's bytes, <paramref name="path"/> naming it in errors; <paramref name="baseBtf"/> for split
    /// BTF (a module's); <paramref name="acceptance"/> <see cref="BtfAcceptance.Bpftool"/> to dump what bpftool
    /// dumps. The result takes ownership of <paramref name="owner"/> (the memory's, e.g. a file mapping), disposed
    /// with it or at once if parsing fails.
    /// </summary>
    public static Btf Parse(ReadOnlyMemory<byte> data, string path, Btf? baseBtf = null, BtfAcceptance acceptance = BtfAcceptance.Strict, IDisposable? owner = null)
    {
        if (IsElf(data.Span))
        {
            owner?.Dispose();
            throw new BtfFormatException(path, 0, "an ELF file, not raw BTF: its .BTF section is read by RawBpf.Elf.ElfBtfFile");
        }
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
        var isElf = IsElf(header);
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

    /// <summary>The ELF magic: the file is an ELF container (a whole file to read), not raw BTF.</summary>
    internal static bool IsElf(ReadOnlySpan<byte> header) => header is [0x7f, (byte)'E', (byte)'L', (byte)'F', ..];
}
