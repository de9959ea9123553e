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

    /// <summary>The generators above stay close to the real object: unmutated, the fixup works.</summary>
    [Fact]
    public void Unmutated_minimal_object_fixes_up()
    {
        var obj = BpfObjectFile.Parse(Object("minimal.bpf.o"), "minimal.bpf.o");
        Assert.NotNull(Btf.Parse(BtfFixup.CreateKernelBtf(obj)!));
    }
}
