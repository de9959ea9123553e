using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace RawBpf.BtfCore;

/// <summary>
/// Loads BTF from a file: the kernel's (<c>/sys/kernel/btf/vmlinux</c>, a module's on top of it), raw BTF, or an
/// ELF file with a <c>.BTF</c> section (as BTFHub ships). Kernel BTF is mapped in place, other files are read.
/// </summary>
public static class BtfFile
{
    /// <summary>Where the running kernel publishes its BTF.</summary>
    public const string KernelBtfDirectory = "/sys/kernel/btf";

    public static string VmlinuxPath => KernelBtfDirectory + "/vmlinux";

    /// <summary>
    /// Loads the BTF in <paramref name="path"/>; <paramref name="baseBtf"/> for split BTF (a module's);
    /// <paramref name="acceptance"/> <see cref="BtfAcceptance.Bpftool"/> to dump what bpftool dumps. A file that
    /// cannot be read is an <see cref="InputFileException"/>, bytes that are not BTF a <see cref="BtfFormatException"/>.
    /// </summary>
    public static Btf Load(string path, Btf? baseBtf = null, BtfAcceptance acceptance = BtfAcceptance.Strict)
    {
        var (data, owner) = ReadWhole(path);
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

    /// <summary>The running kernel's BTF, and a module's BTF on top of it when <paramref name="module"/> is given.</summary>
    public static Btf LoadKernel(string? module = null, Btf? vmlinux = null)
    {
        vmlinux ??= Load(VmlinuxPath);
        return module is null ? vmlinux : Load($"{KernelBtfDirectory}/{module}", vmlinux);
    }

    /// <summary>
    /// The file's bytes: mapped for kernel BTF under sysfs (immutable while the kernel runs, so a mapping can
    /// never SIGBUS), read into an array for anything else, where a file truncated under us must not crash. Only
    /// a regular file is read (<see cref="InputFile"/>), and raw BTF only as far as its header says it reaches.
    /// </summary>
    private static (ReadOnlyMemory<byte> Data, IDisposable? Owner) ReadWhole(string path)
    {
        var (handle, length) = InputFile.OpenRegular(path, "BTF file");
        using (handle)
        {
            if (length > 0 && path.StartsWith(KernelBtfDirectory + "/", StringComparison.Ordinal)
                && length <= int.MaxValue && MappedFile.TryMap(handle, (int)length) is { } mapping)
                return (mapping.Memory, mapping);
            var header = InputFile.Read(handle, path, 0, HeaderLengthsEnd);
            var size = DeclaredSize(header, path, length);
            return (size <= header.Length ? header.AsMemory(0, size) : InputFile.Read(handle, path, 0, size), null);
        }
    }

    /// <summary>Where <c>btf_header.str_len</c> ends: the header fields that bound the whole blob.</summary>
    private const int HeaderLengthsEnd = 24;

    /// <summary>
    /// How many bytes to read: for raw BTF what its header declares (hdr_len plus the furthest section end), so
    /// a file that never ends (a procfs-like size of 0, or more bytes than declared) is not read past that; for
    /// an ELF file, its size.
    /// </summary>
    private static int DeclaredSize(ReadOnlySpan<byte> header, string path, long fileLength)
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

/// <summary>
/// A read-only private mapping of a whole file, exposed as memory; unmapped on dispose. No finalizer: spans may
/// outlive the last reference to this object (CA2015), so an undisposed mapping stays until the process ends.
/// </summary>
internal sealed unsafe partial class MappedFile : MemoryManager<byte>
{
    private const int ProtRead = 0x1;      // PROT_READ
    private const int MapPrivate = 0x02;   // MAP_PRIVATE: the btf_vmlinux sysfs file refuses MAP_SHARED
    private static readonly nint MapFailed = -1;

    private nint _address;
    private readonly int _length;

    private MappedFile(nint address, int length)
    {
        _address = address;
        _length = length;
    }

    public static MappedFile? TryMap(SafeFileHandle file, int length)
    {
        var address = mmap(0, (nuint)length, ProtRead, MapPrivate, (int)file.DangerousGetHandle(), 0);
        // Older kernels cannot map sysfs BTF (EINVAL/EACCES): the caller falls back to read().
        return address == MapFailed ? null : new MappedFile(address, length);
    }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_address == 0, this);
        return new Span<byte>((void*)_address, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_address == 0, this);
        return new MemoryHandle((byte*)_address + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        var address = Interlocked.Exchange(ref _address, 0);
        if (address != 0)
            _ = munmap(address, (nuint)_length);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(nint addr, nuint length);
}
