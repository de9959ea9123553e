using System.Buffers.Binary;
using System.Text;

namespace RawBpf.BtfCore;

/// <summary>
/// The bytes of a BTF file, as the kernel (<c>/sys/kernel/btf/*</c>), pahole or BTFHub write it: raw BTF, or an ELF
/// file with a <c>.BTF</c> section. Pure: the Loader's <c>BtfFileReader</c> reads (or maps) the file and parses here.
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
        var span = data.Span;
        if (span.Length >= 4 && span[0] == 0x7f && span[1] == (byte)'E' && span[2] == (byte)'L' && span[3] == (byte)'F')
        {
            (int Offset, int Size) section;
            try
            {
                section = FindElfSection(span, ".BTF", path);
            }
            catch
            {
                owner?.Dispose();
                throw;
            }
            return Btf.Parse(data.Slice(section.Offset, section.Size), owner, $"{path}: .BTF", baseBtf, acceptance);
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

    /// <summary>Finds a section by name in a little-endian ELF64 file, checking every offset it follows.</summary>
    internal static (int Offset, int Size) FindElfSection(ReadOnlySpan<byte> elf, string name, string path)
    {
        const int ElfHeaderSize = 64;
        const int SectionHeaderSize = 64;
        if (elf.Length < ElfHeaderSize)
            throw new BtfFormatException(path, 0, "ELF header is truncated");
        if (elf[4] != 2 /* ELFCLASS64 */ || elf[5] != 1 /* ELFDATA2LSB */)
            throw new BtfFormatException(path, 4, "only little-endian 64-bit ELF files are supported");
        var sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);          // e_shoff
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3a..]);             // e_shentsize
        var count = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3c..]);                 // e_shnum
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3e..]);           // e_shstrndx
        if (entrySize != SectionHeaderSize || sectionTable > (ulong)elf.Length || (ulong)count * SectionHeaderSize > (ulong)elf.Length - sectionTable)
            throw new BtfFormatException(path, 0x28, "section header table is out of range");
        if (namesIndex >= count)
            throw new BtfFormatException(path, 0x3e, $"section name table index {namesIndex} is out of range");
        var (namesOffset, namesSize) = SectionBounds(elf, (int)sectionTable + namesIndex * SectionHeaderSize, path);
        var names = elf.Slice(namesOffset, namesSize);
        Span<byte> wanted = stackalloc byte[Encoding.ASCII.GetByteCount(name) + 1];
        Encoding.ASCII.GetBytes(name, wanted);
        for (var i = 0; i < count; i++)
        {
            var header = (int)sectionTable + i * SectionHeaderSize;
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(elf[header..]);      // sh_name
            if (nameOffset < (uint)names.Length && names[(int)nameOffset..].StartsWith(wanted))
                return SectionBounds(elf, header, path);
        }
        throw new BtfFormatException(path, 0, $"ELF file has no {name} section");
    }

    private static (int Offset, int Size) SectionBounds(ReadOnlySpan<byte> elf, int header, string path)
    {
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(elf[(header + 0x18)..]);    // sh_offset
        var size = BinaryPrimitives.ReadUInt64LittleEndian(elf[(header + 0x20)..]);      // sh_size
        if (offset > (ulong)elf.Length || size > (ulong)elf.Length - offset)
            throw new BtfFormatException(path, header, $"section [{offset}, +{size}) runs past the file ({elf.Length} bytes)");
        return ((int)offset, (int)size);
    }
}
