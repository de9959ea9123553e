using RawBpf.BtfCore;

namespace RawBpf.Elf;

/// <summary>
/// The bytes of a BTF file as a user names it: raw BTF (<c>/sys/kernel/btf/*</c>, <c>pahole --btf_encode_detached</c>),
/// parsed by <see cref="BtfFile"/>, or an ELF file whose <c>.BTF</c> section holds it (a BPF object, <c>pahole -J</c>
/// output, BTFHub's files), found by <see cref="ElfImage"/>. BtfCore reads no ELF: this is the one ELF path.
/// </summary>
public static class ElfBtfFile
{
    /// <summary>
    /// Parses a BTF file's bytes, <paramref name="path"/> naming it in errors (see <see cref="BtfFile.Parse"/>). A
    /// malformed ELF file throws <see cref="ElfFormatException"/> (its section and offset prefixed with the path),
    /// bad BTF <see cref="BtfFormatException"/>. The result owns <paramref name="owner"/>, disposed at once for ELF.
    /// </summary>
    public static Btf Parse(ReadOnlyMemory<byte> data, string path, Btf? baseBtf = null, BtfAcceptance acceptance = BtfAcceptance.Strict, IDisposable? owner = null)
    {
        if (!BtfFile.IsElf(data.Span))
            return BtfFile.Parse(data, path, baseBtf, acceptance, owner);
        using (owner)
        {
            // Only kernel BTF (raw) is mapped: an ELF file comes as an array, which the copy rarely is.
            var section = Section(data, ".BTF", path);
            return Btf.Parse(owner is null ? section : section.ToArray(), baseBtf, $"{path}: .BTF", acceptance);
        }
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
            throw new ElfFormatException($"{path}: {e.Section}", e.Offset, e.Reason, e);
        }
        var section = image.Sections.FirstOrDefault(s => s.Name == name)
            ?? throw new ElfFormatException(path, 0, $"ELF file has no {name} section");
        if (section.IsNoBits)
            throw new ElfFormatException($"{path}: {name}", 0, "section has no bytes in the file (SHT_NOBITS)");
        return section.Data;
    }
}
