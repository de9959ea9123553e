using RawBpf.Uapi;

namespace RawBpf.BtfCore;

/// <summary>Following type references with a depth bound, so a reference cycle in bad BTF ends in an error.</summary>
public static class BtfResolve
{
    /// <summary>libbpf's <c>MAX_RESOLVE_DEPTH</c>: no sane chain of typedefs and modifiers is longer.</summary>
    public const int MaxDepth = 32;

    /// <summary>Skips CONST, VOLATILE, RESTRICT and TYPE_TAG.</summary>
    public static BtfType SkipModifiers(this Btf btf, int id) => Skip(btf, id, skipTypedefs: false);

    /// <summary>Skips modifiers and TYPEDEFs: the type a value really has.</summary>
    public static BtfType SkipModifiersAndTypedefs(this Btf btf, int id) => Skip(btf, id, skipTypedefs: true);

    private static BtfType Skip(Btf btf, int id, bool skipTypedefs)
    {
        var type = btf.GetType(id);
        for (var depth = 0; type.IsModifier || (skipTypedefs && type.Kind == BtfKind.Typedef); depth++)
        {
            if (depth == MaxDepth)
                throw new BtfFormatException(btf.SectionName, -1, $"type [{id}] refers to itself through modifiers or typedefs");
            type = btf.GetType(type.TypeId);
        }
        return type;
    }

    /// <summary>
    /// The size in bytes of a value of type <paramref name="id"/> (libbpf's <c>btf__resolve_size</c>, which
    /// likewise refuses sizes past 4 GiB: no kernel or BPF type is that large, so such a size means bad BTF).
    /// </summary>
    public static long ResolveSize(this Btf btf, int id)
    {
        ulong elements = 1;
        var type = btf.GetType(id);
        for (var depth = 0; depth <= MaxDepth; depth++)
        {
            switch (type.Kind)
            {
                case BtfKind.Int or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64
                    or BtfKind.Datasec or BtfKind.Float:
                    return CheckedSize(btf, id, elements * type.Size);
                case BtfKind.Ptr:
                    return CheckedSize(btf, id, elements * 8);
                case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                    or BtfKind.Var or BtfKind.DeclTag or BtfKind.TypeTag:
                    type = btf.GetType(type.TypeId);
                    break;
                case BtfKind.Array:
                    // Both factors are below 2^32, so the product fits in 64 bits before the check.
                    elements = CheckedSize(btf, id, elements * type.ArrayLength);
                    type = btf.GetType(type.ArrayElementTypeId);
                    break;
                default:
                    throw new BtfFormatException(btf.SectionName, -1, $"type [{id}] ({type.Kind.ToUapiName()}) has no size");
            }
        }
        throw new BtfFormatException(btf.SectionName, -1, $"type [{id}] refers to itself");
    }

    private static uint CheckedSize(Btf btf, int id, ulong size) =>
        size <= uint.MaxValue ? (uint)size : throw new BtfFormatException(btf.SectionName, -1, $"type [{id}] is larger than 4 GiB");
}
