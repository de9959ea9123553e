using RawBpf.BtfCore;

namespace RawBpf.Elf;

public enum ExternKind
{
    /// <summary>In <c>.kconfig</c> (<c>__kconfig</c>): a value the loader computes (LINUX_KERNEL_VERSION, CONFIG_*).</summary>
    Kconfig,
    /// <summary>In <c>.ksyms</c> (<c>__ksym</c>): a kernel variable (ldimm64 BPF_PSEUDO_BTF_ID) or kfunc (call BPF_PSEUDO_KFUNC_CALL).</summary>
    Ksym,
}

/// <summary>libbpf's <c>enum kcfg_type</c>: how the loader encodes a .kconfig value.</summary>
public enum KconfigType
{
    Unknown,
    Char,
    Bool,
    Int,
    /// <summary><c>enum libbpf_tristate</c>: TRI_NO 0, TRI_YES 1, TRI_MODULE 2.</summary>
    Tristate,
    CharArray,
}

/// <summary>
/// An extern symbol (undefined, NOTYPE, GLOBAL or WEAK) and the BTF that describes it, as libbpf's
/// <c>bpf_object__collect_externs</c> reads them. Kconfig externs carry their place in the .kconfig map.
/// </summary>
public sealed class BpfExtern
{
    internal BpfExtern(string name, ExternKind kind, int symbolIndex, bool isWeak, int btfId, int typeId, bool isFunction)
    {
        Name = name;
        Kind = kind;
        SymbolIndex = symbolIndex;
        IsWeak = isWeak;
        BtfId = btfId;
        TypeId = typeId;
        IsFunction = isFunction;
    }

    public string Name { get; }
    public ExternKind Kind { get; }
    public int SymbolIndex { get; }

    /// <summary><c>__weak</c>: the loader may leave it unresolved (zero) instead of failing.</summary>
    public bool IsWeak { get; }

    /// <summary>The extern's VAR or FUNC in the object BTF.</summary>
    public int BtfId { get; }

    /// <summary>For a VAR, its type with modifiers and typedefs skipped for ksyms (as libbpf), the raw VAR type for kconfig; for a FUNC, its FUNC_PROTO.</summary>
    public int TypeId { get; }

    /// <summary>A kfunc (<c>extern int f(...) __ksym</c>), called with BPF_PSEUDO_KFUNC_CALL.</summary>
    public bool IsFunction { get; }

    /// <summary>The BTF DATASEC it belongs to: ".kconfig" or ".ksyms".</summary>
    public string SectionName => Kind == ExternKind.Kconfig ? ".kconfig" : ".ksyms";

    /// <summary>The name without a <c>___suffix</c> flavor (libbpf's essent_name), what the kernel is searched for.</summary>
    public string EssentialName => Name[..BtfNames.EssentialNameLength(System.Text.Encoding.UTF8.GetBytes(Name))];

    // ---- .kconfig only
    public KconfigType KconfigType { get; internal init; }
    public int KconfigSize { get; internal init; }
    public int KconfigAlignment { get; internal init; }
    public bool KconfigIsSigned { get; internal init; }

    /// <summary>Offset in the .kconfig map's value (externs are laid out sorted by alignment desc, size asc, name).</summary>
    public int KconfigOffset { get; private set; }

    /// <summary>This extern placed at <paramref name="offset"/> of the .kconfig value, which the extern pass decides once all are known.</summary>
    internal BpfExtern AtKconfigOffset(int offset)
    {
        var placed = (BpfExtern)MemberwiseClone();
        placed.KconfigOffset = offset;
        return placed;
    }

    public override string ToString() => $"extern {SectionName} '{Name}'";
}
