namespace RawBpf.Elf;

/// <summary>One section header (<c>Elf64_Shdr</c>) of the object, with its bytes (empty for SHT_NOBITS).</summary>
public sealed class ElfSection
{
    internal ElfSection(int index, string name, uint type, ulong flags, long fileOffset, long size, uint link, uint info,
        ulong entrySize, ulong alignment, ReadOnlyMemory<byte> data)
    {
        Index = index;
        Name = name;
        Type = type;
        Flags = flags;
        FileOffset = fileOffset;
        Size = size;
        Link = link;
        Info = info;
        EntrySize = entrySize;
        Alignment = alignment;
        Data = data;
    }

    public int Index { get; }
    public string Name { get; }

    /// <summary><c>sh_type</c> (<see cref="ElfConstants"/> SHT_*).</summary>
    public uint Type { get; }

    /// <summary><c>sh_flags</c> (SHF_*).</summary>
    public ulong Flags { get; }

    /// <summary><c>sh_offset</c>.</summary>
    public long FileOffset { get; }

    /// <summary><c>sh_size</c>; for SHT_NOBITS (.bss) the size of the zero-filled memory, with no bytes in the file.</summary>
    public long Size { get; }

    /// <summary><c>sh_link</c>: for SHT_REL the symbol table, for SHT_SYMTAB the string table.</summary>
    public uint Link { get; }

    /// <summary><c>sh_info</c>: for SHT_REL the section the relocations apply to.</summary>
    public uint Info { get; }

    public ulong EntrySize { get; }
    public ulong Alignment { get; }

    /// <summary>The section's bytes in the file (empty for SHT_NOBITS).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    public bool IsExecutable => (Flags & ElfConstants.ShfExecInstr) != 0;
    public bool IsNoBits => Type == ElfConstants.ShtNoBits;

    public override string ToString() => $"[{Index}] {Name}";
}

/// <summary>One symbol (<c>Elf64_Sym</c>) of <c>.symtab</c>.</summary>
/// <param name="Index">The symbol's index in the table (what <c>ELF64_R_SYM(r_info)</c> refers to).</param>
/// <param name="SectionIndex"><c>st_shndx</c>, raw: 0 SHN_UNDEF, 0xfff1 SHN_ABS, 0xfff2 SHN_COMMON.</param>
public readonly record struct ElfSymbol(int Index, string Name, ulong Value, ulong Size, ElfSymbolType Type,
    ElfSymbolBinding Binding, ElfSymbolVisibility Visibility, ushort SectionIndex)
{
    /// <summary>An undefined symbol: an extern (.kconfig, .ksyms) to be resolved by the loader.</summary>
    public bool IsUndefined => SectionIndex == ElfConstants.ShnUndef;

    /// <summary>st_shndx in the reserved range (SHN_LORESERVE and up: ABS, COMMON, XINDEX).</summary>
    public bool IsInSpecialSection => SectionIndex >= ElfConstants.ShnLoReserve;
}

/// <summary><c>ELF64_ST_TYPE</c>.</summary>
public enum ElfSymbolType : byte
{
    NoType = 0,
    Object = 1,
    Func = 2,
    Section = 3,
    File = 4,
    Common = 5,
    Tls = 6,
}

/// <summary><c>ELF64_ST_BIND</c>.</summary>
public enum ElfSymbolBinding : byte
{
    Local = 0,
    Global = 1,
    Weak = 2,
}

/// <summary><c>ELF64_ST_VISIBILITY</c>.</summary>
public enum ElfSymbolVisibility : byte
{
    Default = 0,
    Internal = 1,
    Hidden = 2,
    Protected = 3,
}

/// <summary>ELF constants (elf.h) this reader needs.</summary>
public static class ElfConstants
{
    /// <summary><c>EM_BPF</c>.</summary>
    public const ushort MachineBpf = 247;
    public const ushort TypeRelocatable = 1;  // ET_REL

    public const uint ShtNull = 0;
    public const uint ShtProgBits = 1;
    public const uint ShtSymTab = 2;
    public const uint ShtStrTab = 3;
    public const uint ShtRela = 4;
    public const uint ShtNote = 7;
    public const uint ShtNoBits = 8;
    public const uint ShtRel = 9;
    public const uint ShtDynSym = 11;

    public const ulong ShfWrite = 0x1;
    public const ulong ShfAlloc = 0x2;
    public const ulong ShfExecInstr = 0x4;

    public const ushort ShnUndef = 0;
    public const ushort ShnLoReserve = 0xff00;
    public const ushort ShnAbs = 0xfff1;
    public const ushort ShnCommon = 0xfff2;

    /// <summary>
    /// The largest array map value BPF_MAP_CREATE accepts (<c>array_map_alloc_check</c>: E2BIG above INT_MAX;
    /// measured on 6.18: 2147483647 is created, 2147483648 refused). It bounds every section that becomes a data map.
    /// </summary>
    public const long MaxMapValueSize = int.MaxValue;

    public const int SymbolSize = 24;      // sizeof(Elf64_Sym)
    public const int RelSize = 16;         // sizeof(Elf64_Rel)

    /// <summary><c>R_BPF_64_64</c>: ldimm64 of a symbol's address (maps, globals).</summary>
    public const uint RelocationBpf64_64 = 1;
    /// <summary><c>R_BPF_64_32</c>: a call's 32-bit immediate (BPF-to-BPF calls).</summary>
    public const uint RelocationBpf64_32 = 10;
}
