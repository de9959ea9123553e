using System.Buffers.Binary;
using RawBpf.BtfCore;
using RawBpf.Tests.Shared;

namespace RawBpf.Elf.Tests;

/// <summary>BTF in an ELF file, the one ELF path for BTF: found through ElfImage, bad wrappers refused by path, section and offset.</summary>
public sealed class ElfBtfFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rawbpf-elfbtf-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(byte[] bytes)
    {
        var file = Path.Combine(_directory, "bad.o");
        File.WriteAllBytes(file, bytes);
        return file;
    }

    [Fact]
    public void The_btf_of_an_object_is_its_btf_section()
    {
        var path = TestObjects.Object("exitsnoop.bpf.o");
        using var btf = BtfFiles.Read(path);
        var obj = BpfObjectFile.Parse(File.ReadAllBytes(path), path);
        Assert.True(btf.RawData.Span.SequenceEqual(obj.Sections.Single(s => s.Name == ".BTF").Data.Span));
        Assert.Equal(obj.Btf!.LastTypeId, btf.LastTypeId);
    }

    [Fact]
    public void Raw_btf_goes_to_the_btf_reader()
    {
        using var btf = BtfFiles.Read(BtfFiles.Vmlinux);
        Assert.True(btf.LastTypeId > 1000);
    }

    [Fact]
    public void Bad_elf_wrappers_name_the_file_and_what_is_wrong()
    {
        var elf = File.ReadAllBytes(RepoPaths.AllBpfObjects()[0]);
        void Check(byte[] bytes, string expected)
        {
            var file = Write(bytes);
            var e = Assert.Throws<ElfFormatException>(() => BtfFiles.Read(file));
            Assert.StartsWith(file, e.Message);
            Assert.Contains(expected, e.Message);
        }
        Check(elf[..40], "ELF header: file of 40 bytes is too short for an ELF64 header");
        Check([0x7f, (byte)'E', (byte)'L', (byte)'F'], "too short for an ELF64 header");
        Check(elf[..(elf.Length / 2)], "runs past the file");
        var noSections = elf.ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(noSections.AsSpan(0x28), 0xffff_ffff_0000);
        Check(noSections, "section header table");
        var class32 = elf.ToArray();
        class32[4] = 1;
        Check(class32, "64-bit");
        var strndx = elf.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(strndx.AsSpan(0x3e), 0xffff);
        Check(strndx, "section name table index");
        var noBtf = elf.ToArray();
        var btfHeader = SectionHeader(noBtf, ".BTF");
        noBtf[btfHeader] = 0;   // sh_name 0: the section has no name
        Check(noBtf, "ELF file has no .BTF section");
    }

    [Fact]
    public void An_empty_file_is_raw_btf_too_short()
    {
        var e = Assert.Throws<BtfFormatException>(() => BtfFiles.Read(Write([])));
        Assert.Contains("too short for a BTF header", e.Message);
    }

    [Fact]
    public void Any_little_endian_elf64_may_carry_btf()
    {
        // pahole -J and BTFHub write .BTF into ET_REL/ET_EXEC files of the kernel's machine, not EM_BPF.
        var path = TestObjects.Object("exitsnoop.bpf.o");
        var elf = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x10), 2);    // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x12), 62);   // EM_X86_64
        Assert.Throws<ElfFormatException>(() => BpfObjectFile.Parse(elf, "x"));
        using var btf = BtfFiles.Read(Write(elf));
        Assert.Equal(BpfObjectFile.Parse(File.ReadAllBytes(path), path).Btf!.LastTypeId, btf.LastTypeId);
    }

    private static int SectionHeader(byte[] elf, string name)
    {
        var index = BpfObjectFile.Parse(elf, "x").Sections.Single(s => s.Name == name).Index;
        return (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28)) + index * 64;
    }
}
