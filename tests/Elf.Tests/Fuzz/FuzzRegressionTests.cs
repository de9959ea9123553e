using System.Buffers.Binary;
using RawBpf.BtfCore;

namespace RawBpf.Elf.Tests.Fuzz;

/// <summary>
/// Each bug the mutation runs found, as the smallest edit of a real object that shows it: the pipeline stage
/// that crashed must now refuse the input with the typed exception.
/// </summary>
public class FuzzRegressionTests
{
    private static byte[] Object(string name) => File.ReadAllBytes(TestObjects.Object(name));

    /// <summary>The file offset of symbol <paramref name="name"/>'s Elf64_Sym.</summary>
    private static int SymbolEntry(byte[] elf, string name)
    {
        var obj = BpfObjectFile.Parse(elf, "x.bpf.o");
        var symbol = obj.Symbols.Single(s => s.Name == name);
        return (int)obj.Sections.Single(s => s.Type == ElfConstants.ShtSymTab).FileOffset + symbol.Index * ElfConstants.SymbolSize;
    }

    /// <summary>
    /// Found by the Elf target (seed 101, mutant 3893): a global VAR's symbol with st_value past 4 GiB made
    /// BtfFixup.CreateKernelBtf throw OverflowException for a DATASEC that is no data map (minimal.bpf.o's "license").
    /// </summary>
    [Fact]
    public void Fixup_of_a_variable_symbol_past_4GiB_is_a_format_error()
    {
        var elf = Object("minimal.bpf.o");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(SymbolEntry(elf, "LICENSE") + 8), 0xff_0000_0000);
        var obj = BpfObjectFile.Parse(elf, "minimal.bpf.o");
        var e = Assert.Throws<ElfFormatException>(() => BtfFixup.CreateKernelBtf(obj));
        Assert.Contains("LICENSE", e.Message);
        Assert.Contains("0xff00000000", e.Message);
    }

    /// <summary>
    /// Found by AFL++ on the elf target (tests/Fuzz/afl.sh elf, in its first 15 s): an SHT_NULL section header,
    /// whose sh_size ElfImage does not bound (it has no bytes), named like a DATASEC made BtfFixup throw
    /// OverflowException when it took the DATASEC's size from it.
    /// </summary>
    [Fact]
    public void Fixup_of_a_datasec_sized_by_a_null_section_past_4GiB_is_a_format_error()
    {
        var elf = Object("minimal.bpf.o");
        var license = BpfObjectFile.Parse(elf, "x.bpf.o").Sections.Single(s => s.Name == "license");
        var header = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28)) + license.Index * 64;
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(header + 4), 0);                       // sh_type SHT_NULL
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(header + 0x20), 0x1_0000_0000);         // sh_size
        var obj = BpfObjectFile.Parse(elf, "minimal.bpf.o");
        var e = Assert.Throws<ElfFormatException>(() => BtfFixup.CreateKernelBtf(obj));
        Assert.Equal("license", e.Section);
        Assert.Contains("4294967296", e.Message);
    }

    /// <summary>
    /// Found by `rawbpf-fuzz run elf` (seed 1001, mutant 4516): a NOBITS .bss whose sh_size says 528 MiB (no file
    /// bytes needed) made BpfObjectFile.Parse allocate 528 MiB of zeros for a 10 KiB file; up to 2 GiB possible.
    /// The zeros are now made when a loader first reads the initial value.
    /// </summary>
    [Fact]
    public void Parse_does_not_allocate_a_declared_bss()
    {
        var elf = Object("core_type_matches.bpf.o");
        var bss = BpfObjectFile.Parse(elf, "x.bpf.o").Sections.Single(s => s.Name == ".bss");
        var header = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28)) + bss.Index * 64;
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(header + 0x20), 0x7000_0000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var obj = BpfObjectFile.Parse(elf, "core_type_matches.bpf.o");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"Parse allocated {allocated >> 20} MiB");
        var map = obj.Maps.Single(m => m.RealName == ".bss");
        Assert.Equal(0x7000_0000u, map.ValueSize);
        // A sane .bss still reads as zeros of its size.
        var real = BpfObjectFile.Parse(Object("core_type_matches.bpf.o"), "x.bpf.o").Maps.Single(m => m.RealName == ".bss");
        Assert.Equal((int)real.ValueSize, real.InitialValue.Length);
        Assert.True(real.InitialValue.Span.IndexOfAnyExcept((byte)0) < 0);
    }

    /// <summary>The generators above stay close to the real object: unmutated, the fixup works.</summary>
    [Fact]
    public void Unmutated_minimal_object_fixes_up()
    {
        var obj = BpfObjectFile.Parse(Object("minimal.bpf.o"), "minimal.bpf.o");
        Assert.NotNull(Btf.Parse(BtfFixup.CreateKernelBtf(obj)!));
    }
}
