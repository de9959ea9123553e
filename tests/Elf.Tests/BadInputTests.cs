using System.Buffers.Binary;

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
        var e = Assert.Throws<ElfFormatException>(() => BpfObjectFile.Load(TestObjects.Compile("legacy_maps.bpf.c")));
        Assert.Equal("maps", e.Section);
        Assert.Contains("legacy 'maps' section", e.Message);
    }

    [Fact]
    public void UnknownMapAttributeNamesMapAndAttribute()
    {
        var e = Assert.Throws<ElfFormatException>(() => BpfObjectFile.Load(TestObjects.Compile("bad_map_attribute.bpf.c")));
        Assert.Equal(".maps", e.Section);
        Assert.Contains("map 'odd'", e.Message);
        Assert.Contains("'bogus_attribute'", e.Message);
    }

    [Fact]
    public void MissingFileIsTyped() => Assert.Throws<ElfFormatException>(() => BpfObjectFile.Load("/nonexistent/x.bpf.o"));

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
}
