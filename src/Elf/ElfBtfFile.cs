using RawBpf.BtfCore;

namespace RawBpf.Elf;

/// <summary>
/// A BTF file's bytes as a user names it: raw BTF (<c>/sys/kernel/btf/*</c>, <c>pahole --btf_encode_detached</c>),
/// parsed by <see cref="BtfFile"/>, or an ELF file whose <c>.BTF</c> section holds it (a BPF object, <c>pahole -J</c>
/// output, BTFHub's files), found by <see cref="ElfImage"/>. BtfCore reads no ELF: this is the one ELF path. Pure:
/// the Loader's <c>BtfFileReader</c> reads the file.
/// </summary>
public static class ElfBtfFile
{
    /// <summary>Whether <paramref name="header"/> starts with the ELF magic.</summary>
    public static bool IsElf(ReadOnlySpan<byte> header) => header is [0x7f, (byte)'E', (byte)'L', (byte)'F', ..];

    /// <summary>
    /// Parses raw BTF, or an ELF file's <c>.BTF</c> section; <paramref name="baseBtf"/> for split BTF (a module's);
    /// <paramref name="acceptance"/> <see cref="BtfAcceptance.Bpftool"/> to dump what bpftool dumps. A malformed
    /// ELF file throws <see cref="ElfFormatException"/> (section and offset prefixed with the path), bad BTF
    /// <see cref="BtfFormatException"/>. The result owns <paramref name="owner"/>, disposed at once on failure.
    /// </summary>
    public static Btf Parse(ReadOnlyMemory<byte> bytes, string path, Btf? baseBtf = null, BtfAcceptance acceptance = BtfAcceptance.Strict, IDisposable? owner = null)
    {
        if (!IsElf(bytes.Span))
            return BtfFile.Parse(bytes, path, baseBtf, acceptance, owner);
        ReadOnlyMemory<byte> section;
        try
        {
            section = Section(bytes, ".BTF", path);
        }
        catch
        {
            owner?.Dispose();
            throw;
        }
        return BtfFile.Parse(section, $"{path}: .BTF", baseBtf, acceptance, owner);
    }

    /// <summary>The bytes of section <paramref name="name"/> of any little-endian ELF64 file, e.g. a BPF object's .BTF.ext.</summary>
    public static ReadOnlyMemory<byte> Section(ReadOnlyMemory<byte> elf, string name, string path)
    {
        ElfImage image;
        try
        {
            image = ElfImage.Parse(elf, path, bpfObject: false);
        }
        catch (ElfFormatException e) when (e.Section.Length > 0 && e.Section != path)
        {
            throw new ElfFormatException($"{path}: {e.Section}", e.Offset, e.Problem, e);
        }
        var section = image.Sections.FirstOrDefault(s => s.Name == name)
            ?? throw new ElfFormatException(path, 0, $"ELF file has no {name} section");
        if (section.IsNoBits)
            throw new ElfFormatException($"{path}: {name}", 0, "section has no bytes in the file (SHT_NOBITS)");
        return section.Data;
    }
}
