using System.Buffers.Binary;
using RawBpf.Tests.Shared;

namespace RawBpf.Elf.Tests;

/// <summary>Malformed objects end in one ElfFormatException naming the section and offset, never another exception.</summary>
public class BadInputTests
{
    private static readonly byte[] Exitsnoop = File.ReadAllBytes(TestObjects.Object("exitsnoop.bpf.o"));

    private static ElfFormatException Fails(byte[] bytes)
    {
        var exception = Record.Exception(() => BpfObjectFile.Parse(bytes, "bad.bpf.o"));
        return Assert.IsType<ElfFormatException>(exception);
    }

    private static byte[] Patched(Action<byte[]> patch)
    {
        var copy = (byte[])Exitsnoop.Clone();
        patch(copy);
        return copy;
    }

    private static int SectionHeader(byte[] elf, string name)
    {
        var obj = BpfObjectFile.Parse(Exitsnoop, "x");
        var index = obj.Sections.Single(s => s.Name == name).Index;
        return (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28)) + index * 64;
    }

    [Fact]
    public void NotElf() => Assert.Contains("not an ELF file", Fails("hello world, not an object"u8.ToArray()).Message);

    [Fact]
    public void WrongMachine()
    {
        var e = Fails(Patched(b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x12), 62)));   // EM_X86_64
        Assert.Equal("ELF header", e.Section);
        Assert.Equal(0x12, e.Offset);
        Assert.Contains("EM_BPF", e.Message);
    }

    [Fact]
    public void ThirtyTwoBitAndBigEndianAreRefused()
    {
        Assert.Equal(4, Fails(Patched(b => b[4] = 1)).Offset);
        Assert.Equal(5, Fails(Patched(b => b[5] = 2)).Offset);
    }

    [Fact]
    public void EveryTruncationFailsCleanly()
    {
        for (var length = 0; length < Exitsnoop.Length; length += length < 128 ? 1 : 61)
            Fails(Exitsnoop[..length]);
    }

    [Fact]
    public void SectionOffsetOutOfRange()
    {
        var e = Fails(Patched(b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(SectionHeader(b, ".maps") + 0x18), 0x7fff_0000)));
        Assert.Contains("runs past the file", e.Message);
    }

    [Fact]
    public void AbsurdSectionSize()
    {
        var e = Fails(Patched(b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(SectionHeader(b, ".rodata") + 0x20), ulong.MaxValue / 2)));
        Assert.Contains("runs past the file", e.Message);
    }

    [Fact]
    public void RelocationSymbolIndexOutOfRange()
    {
        var e = Fails(Patched(b =>
        {
            var rel = (int)BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(SectionHeader(b, ".reltp/sched/sched_process_exit") + 0x18));
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(rel + 12), 5000);   // high half of r_info: the symbol
        }));
        Assert.Equal(".reltp/sched/sched_process_exit", e.Section);
        Assert.Contains("symbol index 5000", e.Message);
    }

    [Fact]
    public void RelocationOffsetMisalignedOrOutside()
    {
        foreach (var offset in new ulong[] { 0x2c, 0x100000 })
        {
            var e = Fails(Patched(b =>
            {
                var rel = (int)BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(SectionHeader(b, ".reltp/sched/sched_process_exit") + 0x18));
                BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(rel), offset);
            }));
            Assert.Equal("tp/sched/sched_process_exit", e.Section);
            Assert.Contains("not an instruction", e.Message);
        }
    }

    [Fact]
    public void RelocationOnWrongInstruction()
    {
        var e = Fails(Patched(b =>
        {
            var rel = (int)BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(SectionHeader(b, ".reltp/sched/sched_process_exit") + 0x18));
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(rel), 0);   // instruction 0 is `r9 = r1`
        }));
        Assert.Equal("tp/sched/sched_process_exit", e.Section);
        Assert.Equal(0, e.Offset);
        Assert.Contains("neither ldimm64 nor call", e.Message);
    }

    [Fact]
    public void LegacyMapsSection()
    {
        var e = Assert.Throws<ElfFormatException>(() => TestObjects.Load(TestObjects.Compile("legacy_maps.bpf.c")));
        Assert.Equal("maps", e.Section);
        Assert.Contains("legacy 'maps' section", e.Message);
    }

    [Fact]
    public void UnknownMapAttributeNamesMapAndAttribute()
    {
        var e = Assert.Throws<ElfFormatException>(() => TestObjects.Load(TestObjects.Compile("bad_map_attribute.bpf.c")));
        Assert.Equal(".maps", e.Section);
        Assert.Contains("map 'odd'", e.Message);
        Assert.Contains("'bogus_attribute'", e.Message);
    }

    [Fact]
    public void RandomCorruptionNeverEscapesAsAnotherException()
    {
        var random = new Random(1234);
        for (var round = 0; round < 3000; round++)
        {
            var copy = (byte[])Exitsnoop.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
                copy[random.Next(copy.Length)] ^= (byte)random.Next(1, 256);
            var exception = Record.Exception(() => BpfObjectFile.Parse(copy, "fuzz.bpf.o"));
            if (exception is not null and not ElfFormatException)
                Assert.Fail($"round {round}: {exception}");
        }
    }

    // ---- issue 11: sizes, special files, ELFSharp ------------------------------------------------------

    private static readonly byte[] MultiProg = File.ReadAllBytes(TestObjects.Object("multi_prog.bpf.o"));

    private static (byte[] Elf, int Header) WithSectionField(byte[] elf, string name, int field, ulong value)
    {
        var copy = (byte[])elf.Clone();
        var index = BpfObjectFile.Parse(elf, "x").Sections.Single(s => s.Name == name).Index;
        var header = (int)BinaryPrimitives.ReadUInt64LittleEndian(copy.AsSpan(0x28)) + index * 64;
        BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(header + field), value);
        return (copy, header);
    }

    [Theory]
    [InlineData(0x8000_0000UL)]
    [InlineData(0xffff_ffff_ffffUL)]
    public void A_bss_larger_than_the_kernel_accepts_is_refused_by_name_and_size(ulong size)
    {
        var (elf, header) = WithSectionField(MultiProg, ".bss", 0x20, size);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Fails(elf);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 16 << 20, "refused after allocating");
        Assert.Equal($".bss: NOBITS section size {size} exceeds the largest map value the kernel accepts (2147483647 bytes; section header at offset {header}) (at offset 0)", e.Message);
    }

    [Theory]
    [InlineData(0x4000_0000UL)]
    [InlineData(0x7fff_ffffUL)]
    public void A_bss_the_kernel_accepts_is_parsed_without_allocating_it(ulong size)
    {
        // 1 GiB took rawbpf object 98 s and 2.1 GB; INT_MAX ended in OutOfMemoryException.
        var (elf, _) = WithSectionField(MultiProg, ".bss", 0x20, size);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var obj = BpfObjectFile.Parse(elf, "multi_prog.bpf.o");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 16 << 20, "parsing allocated the .bss");
        Assert.Equal((uint)size, obj.Maps.Single(m => m.Kind == MapKind.Bss).ValueSize);
    }

    [Fact]
    public void A_symbol_name_past_strtab_is_refused_before_elfsharp_indexes_it()
    {
        // 37 fuzzed objects said "ELFSharp cannot read this file: Arg_IndexOutOfRangeException": ELFSharp reads
        // every symbol's name while it loads.
        var obj = BpfObjectFile.Parse(MultiProg, "x");
        var symtab = obj.Sections.Single(s => s.Type == ElfConstants.ShtSymTab);
        var elf = (byte[])MultiProg.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan((int)symtab.FileOffset + 2 * ElfConstants.SymbolSize), 0x7fff_fff0);
        var e = Fails(elf);
        Assert.Equal($".symtab: symbol #2: st_name {0x7fff_fff0} is not a string of .strtab ({obj.Sections.Single(s => s.Name == ".strtab").Size} bytes) (at offset 48)", e.Message);
        Assert.Null(e.InnerException);
    }

    [Fact]
    public void An_elf_version_other_than_1_is_refused_in_our_words()
    {
        var elf = (byte[])MultiProg.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(0x14), 217);
        Assert.Equal("ELF header: e_version 217, expected 1 (at offset 20)", Fails(elf).Message);
    }

    [Fact]
    public void A_note_larger_than_its_section_is_refused_before_elfsharp_reads_it()
    {
        // Any section can be made a note: turn .rodata's header type into SHT_NOTE, its namesz into 4 GiB.
        var obj = BpfObjectFile.Parse(MultiProg, "x");
        var rodata = obj.Sections.Single(s => s.Name == ".rodata");
        var elf = (byte[])MultiProg.Clone();
        var header = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28)) + rodata.Index * 64;
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(header + 4), ElfConstants.ShtNote);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan((int)rodata.FileOffset), 0xffff_ffff);
        var e = Fails(elf);
        Assert.StartsWith(".rodata: note name (4294967295 bytes) and descriptor", e.Message);
    }
}
