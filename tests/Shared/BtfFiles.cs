using RawBpf.BtfCore;
using RawBpf.Elf;

namespace RawBpf.Tests.Shared;

/// <summary>
/// BTF files read the way the Loader's <c>BtfFileReader</c> reads them (raw BTF only as far as its header says it
/// reaches; an ELF file's .BTF section), for the pure suites that reference no Loader: the bytes come from <see cref="File.ReadAllBytes"/>.
/// </summary>
internal static class BtfFiles
{
    public const string Vmlinux = "/sys/kernel/btf/vmlinux";

    public static Btf Read(string path, Btf? baseBtf = null, BtfAcceptance acceptance = BtfAcceptance.Strict)
    {
        var bytes = File.ReadAllBytes(path);
        if (ElfBtfFile.IsElf(bytes))
            return ElfBtfFile.Parse(bytes, path, baseBtf, acceptance);
        var size = BtfFile.DeclaredSize(bytes.AsSpan(0, Math.Min(BtfFile.HeaderLengthsEnd, bytes.Length)), path, bytes.Length);
        return BtfFile.Parse(bytes.AsMemory(0, size), path, baseBtf, acceptance);
    }
}
