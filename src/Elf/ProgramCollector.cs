using System.Runtime.InteropServices;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>libbpf's <c>bpf_object__add_programs</c>: the functions of every executable section.</summary>
internal static class ProgramCollector
{
    public static List<ProgramSection> Collect(ObjectSections sections, IReadOnlyList<ElfSymbol> symbols)
    {
        var programSections = new List<ProgramSection>();
        foreach (var section in sections.Executable)
        {
            if (section.Size % BpfInstruction.Size != 0)
                throw new ElfFormatException(section.Name, 0, $"size {section.Size} is not a multiple of {BpfInstruction.Size} (struct bpf_insn)");
            var instructions = MemoryMarshal.Cast<byte, BpfInstruction>(section.Data.Span).ToArray();
            var functions = new List<(ElfSymbol Symbol, int Offset, int Count)>();
            foreach (var symbol in symbols)
            {
                if (symbol.SectionIndex != section.Index || symbol.Type != ElfSymbolType.Func)
                    continue;
                var offset = symbol.Value;
                var size = symbol.Size;
                if (offset + size > (ulong)section.Size || offset + size < offset)
                    throw new ElfFormatException(section.Name, (long)Math.Min(offset, long.MaxValue), $"program '{symbol.Name}' [{offset}, +{size}) crosses the section boundary ({section.Size} bytes)");
                if (section.Index != sections.TextSectionIndex && symbol.Binding == ElfSymbolBinding.Local)
                    throw new ElfFormatException(section.Name, (long)offset, $"program '{symbol.Name}' is static: outside .text a program must be a global function");
                if (size == 0 || size % BpfInstruction.Size != 0 || offset % BpfInstruction.Size != 0)
                    throw new ElfFormatException(section.Name, (long)offset, $"corrupted program '{symbol.Name}': offset {offset}, size {size}");
                functions.Add((symbol, (int)(offset / BpfInstruction.Size), (int)(size / BpfInstruction.Size)));
            }
            functions.Sort((a, b) => a.Offset.CompareTo(b.Offset));
            var info = section.Name == ".text" ? null : ProgramSectionDefinitions.Classify(section.Name);
            programSections.Add(new ProgramSection(section, instructions, info, functions));
        }
        return programSections;
    }
}
