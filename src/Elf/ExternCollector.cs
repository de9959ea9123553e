using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>libbpf's <c>bpf_object__collect_externs</c>: undefined symbols matched to their BTF VAR/FUNC and DATASEC.</summary>
internal static class ExternCollector
{
    /// <summary>The enum bpf/bpf_helpers.h declares for y/n/m .kconfig externs: a type name the object carries.</summary>
    private const string TristateTypeName = "libbpf_tristate";

    public static IReadOnlyList<BpfExtern> Collect(IReadOnlyList<ElfSymbol> symbols, Btf? objectBtf)
    {
        var externs = new List<BpfExtern>();
        foreach (var symbol in symbols)
        {
            // sym_is_extern: type NOTYPE, binding GLOBAL or WEAK, section UNDEF.
            if (!symbol.IsUndefined || symbol.Type != ElfSymbolType.NoType
                || symbol.Binding is not (ElfSymbolBinding.Global or ElfSymbolBinding.Weak) || symbol.Name.Length == 0)
                continue;
            var btf = objectBtf ?? throw new ElfFormatException(".symtab", symbol.Index * ElfConstants.SymbolSize, $"extern '{symbol.Name}' needs BTF, and the object has no .BTF");
            var (btfId, type) = FindExternType(btf, symbol.Name);
            var datasec = FindContainingDatasec(btf, btfId)
                ?? throw new ElfFormatException(".BTF", -1, $"extern '{symbol.Name}' [{btfId}] is in no DATASEC");
            var sectionName = datasec.Name;
            var isWeak = symbol.Binding == ElfSymbolBinding.Weak;
            if (sectionName == ".kconfig")
            {
                if (type.Kind == BtfKind.Func)
                    throw new ElfFormatException(".kconfig", -1, $"extern function '{symbol.Name}' is not supported in .kconfig");
                var size = btf.ResolveSize(type.TypeId);
                var alignment = AlignOf(btf, type.TypeId);
                if (size <= 0 || size > int.MaxValue || alignment <= 0)
                    throw new ElfFormatException(".kconfig", -1, $"extern '{symbol.Name}': cannot determine size/alignment of type [{type.TypeId}]");
                var (kind, signed) = KconfigTypeOf(btf, type.TypeId);
                if (kind == KconfigType.Unknown)
                    throw new ElfFormatException(".kconfig", -1, $"extern '{symbol.Name}': type is unsupported for .kconfig");
                externs.Add(new BpfExtern(type.Name, ExternKind.Kconfig, symbol.Index, isWeak, btfId, type.TypeId, false)
                {
                    KconfigType = kind,
                    KconfigSize = (int)size,
                    KconfigAlignment = alignment,
                    KconfigIsSigned = signed,
                });
            }
            else if (sectionName == ".ksyms")
            {
                var isFunction = type.Kind == BtfKind.Func;
                var typeId = btf.SkipModifiersAndTypedefs(type.TypeId).Id;
                externs.Add(new BpfExtern(type.Name, ExternKind.Ksym, symbol.Index, isWeak, btfId, typeId, isFunction));
            }
            else
            {
                throw new ElfFormatException(".BTF", -1, $"extern '{symbol.Name}' is in unrecognized section '{sectionName}' (expected .kconfig or .ksyms)");
            }
        }
        externs.Sort(CompareExterns);
        var offset = 0;
        for (var i = 0; i < externs.Count; i++)
        {
            var external = externs[i];
            if (external.Kind != ExternKind.Kconfig)
                continue;
            // Overflow here (sizes from corrupt BTF) surfaces as ElfFormatException through BpfObjectFile.Parse.
            externs[i] = external.AtKconfigOffset(checked(RoundUp(offset, external.KconfigAlignment)));
            offset = checked(externs[i].KconfigOffset + external.KconfigSize);
        }
        return externs;
    }

    private static int RoundUp(int value, int alignment) => checked((value + alignment - 1) / alignment * alignment);

    /// <summary>cmp_externs: kconfig before ksyms; kconfig by alignment descending, size ascending; then name.</summary>
    private static int CompareExterns(BpfExtern a, BpfExtern b)
    {
        if (a.Kind != b.Kind)
            return a.Kind.CompareTo(b.Kind);
        if (a.Kind == ExternKind.Kconfig)
        {
            if (a.KconfigAlignment != b.KconfigAlignment)
                return b.KconfigAlignment.CompareTo(a.KconfigAlignment);
            if (a.KconfigSize != b.KconfigSize)
                return a.KconfigSize.CompareTo(b.KconfigSize);
        }
        return string.CompareOrdinal(a.Name, b.Name);
    }

    /// <summary>find_extern_btf_id: the first VAR or FUNC of that name, which must have extern linkage.</summary>
    private static (int Id, BtfType Type) FindExternType(Btf btf, string name)
    {
        for (var id = 1; id <= btf.LastTypeId; id++)
        {
            var type = btf.GetType(id);
            if (type.Kind is not (BtfKind.Var or BtfKind.Func) || type.Name != name)
                continue;
            if (type.Linkage != BtfLinkage.Extern)
                throw new ElfFormatException(".BTF", -1, $"extern '{name}': BTF {type.Kind.ToUapiName()} [{id}] does not have extern linkage");
            return (id, type);
        }
        throw new ElfFormatException(".BTF", -1, $"no BTF VAR or FUNC for extern '{name}'");
    }

    private static BtfType? FindContainingDatasec(Btf btf, int id)
    {
        for (var i = 1; i <= btf.LastTypeId; i++)
        {
            var type = btf.GetType(i);
            if (type.Kind != BtfKind.Datasec)
                continue;
            foreach (var info in type.Variables)
            {
                if (info.TypeId == id)
                    return type;
            }
        }
        return null;
    }

    /// <summary>find_kcfg_type.</summary>
    private static (KconfigType Type, bool Signed) KconfigTypeOf(Btf btf, int id)
    {
        var type = btf.SkipModifiersAndTypedefs(id);
        switch (type.Kind)
        {
            case BtfKind.Int:
                if ((type.IntEncoding & BtfIntEncoding.Bool) != 0)
                    return (type.Size == 1 ? KconfigType.Bool : KconfigType.Unknown, false);
                var signed = (type.IntEncoding & BtfIntEncoding.Signed) != 0;
                if (type.Size == 1)
                    return (KconfigType.Char, signed);
                if (type.Size is < 1 or > 8 || (type.Size & (type.Size - 1)) != 0)
                    return (KconfigType.Unknown, false);
                return (KconfigType.Int, signed);
            case BtfKind.Enum when type.Size == 4 && type.Name == TristateTypeName:
            case BtfKind.Enum64 when type.Name == TristateTypeName:
                return (KconfigType.Tristate, false);
            case BtfKind.Array:
                if (type.ArrayLength == 0 || KconfigTypeOf(btf, type.ArrayElementTypeId).Type != KconfigType.Char)
                    return (KconfigType.Unknown, false);
                return (KconfigType.CharArray, false);
            default:
                return (KconfigType.Unknown, false);
        }
    }

    /// <summary>btf__align_of for a BPF target (8-byte pointers).</summary>
    internal static int AlignOf(Btf btf, int id, int depth = 0)
    {
        if (depth > BtfResolve.MaxDepth)
            throw new ElfFormatException(".BTF", -1, $"type [{id}] refers to itself");
        var type = btf.GetType(id);
        switch (type.Kind)
        {
            case BtfKind.Int or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Float:
                return (int)Math.Min(type.Size, 8u);
            case BtfKind.Ptr:
                return 8;
            case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag:
                return AlignOf(btf, type.TypeId, depth + 1);
            case BtfKind.Array:
                return AlignOf(btf, type.ArrayElementTypeId, depth + 1);
            case BtfKind.Struct or BtfKind.Union:
                var max = 1;
                foreach (var member in type.Members)
                {
                    var align = AlignOf(btf, member.TypeId, depth + 1);
                    if (align <= 0)
                        return 0;
                    // A member at an offset its natural alignment does not divide means a packed struct: align 1.
                    if (member.BitfieldSize == 0 && member.BitOffset % (8 * (uint)align) != 0)
                        return 1;
                    max = Math.Max(max, align);
                }
                return type.Size % max == 0 ? max : 1;
            default:
                return 0;
        }
    }
}
