using System.Runtime.InteropServices;
using RawBpf.BtfCore.Core;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests.Core;

/// <summary>A clang-built BPF object's bytes with the sections CO-RE needs located.</summary>
internal sealed class BpfObjectFile
{
    private readonly byte[] _bytes;

    public BpfObjectFile(string path)
    {
        Path = path;
        _bytes = File.ReadAllBytes(path);
        LocalBtf = Btf.Parse(Section(".BTF"), sectionName: $"{path}: .BTF");
        Ext = BtfExt.Parse(Section(".BTF.ext"), LocalBtf, $"{path}: .BTF.ext");
    }

    public string Path { get; }
    public Btf LocalBtf { get; }
    public BtfExt Ext { get; }

    public ReadOnlyMemory<byte> Section(string name)
    {
        return ElfBtfFile.Section(_bytes, name, Path);
    }

    /// <summary>A fresh copy of <paramref name="count"/> instructions of a section from <paramref name="first"/>.</summary>
    public BpfInstruction[] Instructions(string section, int first, int count) =>
        MemoryMarshal.Cast<byte, BpfInstruction>(Section(section).Span).Slice(first, count).ToArray();

    public BpfInstruction[] Instructions(string section) =>
        MemoryMarshal.Cast<byte, BpfInstruction>(Section(section).Span).ToArray();
}
