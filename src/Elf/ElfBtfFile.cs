using RawBpf.BtfCore;

namespace RawBpf.Elf;

/// <summary>
/// A BTF file as a user names it: raw BTF (<c>/sys/kernel/btf/*</c>, <c>pahole --btf_encode_detached</c>), read
/// by <see cref="BtfFile"/>, or an ELF file whose <c>.BTF</c> section holds it (a BPF object, <c>pahole -J</c>
/// output, BTFHub's files), read by <see cref="ElfImage"/>. BtfCore reads no ELF: this is the one ELF path.
/// </summary>
public static class ElfBtfFile
{
    /// <summary>
    /// Loads the BTF in <paramref name="path"/>; <paramref name="baseBtf"/> for split BTF (a module's);
    /// <paramref name="acceptance"/> <see cref="BtfAcceptance.Bpftool"/> to dump what bpftool dumps. A malformed
    /// ELF file throws <see cref="ElfFormatException"/> (section and offset prefixed with the path), bad BTF
    /// <see cref="BtfFormatException"/>.
    /// </summary>
    public static Btf Load(string path, Btf? baseBtf = null, BtfAcceptance acceptance = BtfAcceptance.Strict)
    {
        if (!IsElf(path))
            return BtfFile.Load(path, baseBtf, acceptance);
        var bytes = ReadFile(path);
        return Btf.Parse(Section(bytes, ".BTF", path), baseBtf, $"{path}: .BTF", acceptance);
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

    /// <summary>Whether the file starts with the ELF magic; a file that cannot be opened is left to <see cref="BtfFile"/> to report.</summary>
    private static bool IsElf(string path)
    {
        try
        {
            var (handle, _) = InputFile.OpenRegular(path, "BTF file");
            using (handle)
                return InputFile.Read(handle, path, 0, 4) is [0x7f, (byte)'E', (byte)'L', (byte)'F'];
        }
        catch (InputFileException)
        {
            return false;
        }
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            var (handle, length) = InputFile.OpenRegular(path, "BTF file");
            using (handle)
            {
                if (length > Array.MaxLength)
                    throw new ElfFormatException(path, 0, $"file of {length} bytes is too large for a BTF file");
                return InputFile.Read(handle, path, 0, (int)length);
            }
        }
        catch (InputFileException e)
        {
            throw new BtfFormatException(e.Message, e);
        }
    }
}
