using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>
/// The object's <c>.BTF</c> and <c>.BTF.ext</c> with the symbols they are read against: the second pass of
/// <see cref="BpfObjectFile"/>, and what the map, extern and fix-up passes ask for DATASECs and variables.
/// </summary>
internal sealed record ObjectBtf(IReadOnlyList<ElfSection> Sections, IReadOnlyList<ElfSymbol> Symbols, Btf? Btf, BtfExt? BtfExt)
{
    public static ObjectBtf Parse(ElfImage image, ObjectSections sections)
    {
        Btf? btf = null;
        BtfExt? ext = null;
        if (image.Sections.FirstOrDefault(s => s.Name == ".BTF") is { } btfSection)
            btf = Btf.Parse(btfSection.Data, null, ".BTF");
        if (image.Sections.FirstOrDefault(s => s.Name == ".BTF.ext") is { } extSection && btf is not null)
            ext = BtfExt.Parse(extSection.Data, btf, ".BTF.ext");
        if (btf is null && sections.MapsSectionIndex >= 0)
            throw new ElfFormatException(".maps", 0, "BTF-defined maps need a .BTF section, which is missing");
        return new ObjectBtf(image.Sections, image.Symbols, btf, ext);
    }

    /// <summary>The DATASEC named <paramref name="name"/> in the object BTF, or null.</summary>
    public BtfType? FindDatasec(string name)
    {
        if (Btf is null)
            return null;
        var id = Btf.FindTypeId(name, BtfKind.Datasec);
        return id > 0 ? Btf.GetType(id) : null;
    }

    /// <summary>A DATASEC offset is a u32 (uapi <c>btf_var_secinfo.offset</c>); a larger st_value is a corrupt symbol.</summary>
    private static uint VariableOffset(string sectionName, string name, ElfSymbol symbol) =>
        symbol.Value <= uint.MaxValue ? (uint)symbol.Value
            : throw new ElfFormatException(sectionName, -1, $"symbol '{name}' has value 0x{symbol.Value:x}, past any section");

    /// <summary>
    /// The variables of DATASEC <paramref name="datasec"/> with libbpf's <c>btf_fixup_datasec</c> applied: a
    /// global's offset is its ELF symbol's value (clang leaves zeros), hidden globals count as static, sorted by offset.
    /// </summary>
    public List<GlobalVariable> FixedVariables(BtfType datasec, ElfSection? section)
    {
        var btf = Btf!;
        var sectionName = datasec.Name;
        var variables = new List<GlobalVariable>(datasec.Vlen);
        var fixOffsets = datasec.Size == 0;
        foreach (var info in datasec.Variables)
        {
            var variable = btf.GetType(info.TypeId);
            if (variable.Kind != BtfKind.Var)
                throw new ElfFormatException(".BTF", -1, $"DATASEC '{sectionName}': member [{info.TypeId}] is {variable.Kind.ToUapiName()}, expected VAR");
            var name = variable.Name;
            var offset = info.Offset;
            var linkage = variable.Linkage;
            var hidden = false;
            if (linkage == BtfLinkage.Global)
            {
                var symbol = FindVariableSymbol(name)
                    ?? throw new ElfFormatException(sectionName, -1, $"no ELF symbol for BTF VAR '{name}'");
                if (fixOffsets)
                    offset = VariableOffset(sectionName, name, symbol);
                hidden = symbol.Visibility is ElfSymbolVisibility.Hidden or ElfSymbolVisibility.Internal;
            }
            else if (linkage == BtfLinkage.Static && fixOffsets && section is not null && FindLocalObject(name, section.Index) is { } local)
            {
                // libbpf leaves static VARs alone; their local symbol has the true offset when clang wrote 0.
                offset = VariableOffset(sectionName, name, local);
            }
            if (section is not null && (ulong)offset + info.Size > (ulong)section.Size)
                throw new ElfFormatException(sectionName, offset, $"variable '{name}' [{offset}, +{info.Size}) runs past the section ({section.Size} bytes)");
            variables.Add(new GlobalVariable(name, sectionName, offset, info.Size, variable.TypeId, info.TypeId,
                hidden ? BtfLinkage.Static : linkage, hidden));
        }
        variables.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        return variables;
    }

    /// <summary>libbpf's <c>find_elf_var_sym</c>: a GLOBAL or WEAK OBJECT symbol by name.</summary>
    public ElfSymbol? FindVariableSymbol(string name)
    {
        foreach (var symbol in Symbols)
        {
            if (symbol.Type == ElfSymbolType.Object && symbol.Binding is ElfSymbolBinding.Global or ElfSymbolBinding.Weak && symbol.Name == name)
                return symbol;
        }
        return null;
    }

    private ElfSymbol? FindLocalObject(string name, int sectionIndex)
    {
        foreach (var symbol in Symbols)
        {
            if (symbol.Type == ElfSymbolType.Object && symbol.Binding == ElfSymbolBinding.Local && symbol.SectionIndex == sectionIndex && symbol.Name == name)
                return symbol;
        }
        return null;
    }
}
