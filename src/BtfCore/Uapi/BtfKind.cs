namespace RawBpf.Uapi;

/// <summary>The kinds of uapi <c>btf.h</c> (<c>BTF_KIND_*</c>), stored in bits 24-28 of <c>btf_type.info</c>.</summary>
public enum BtfKind : byte
{
    Unknown = 0,
    Int = 1,
    Ptr = 2,
    Array = 3,
    Struct = 4,
    Union = 5,
    Enum = 6,
    Fwd = 7,
    Typedef = 8,
    Volatile = 9,
    Const = 10,
    Restrict = 11,
    Func = 12,
    FuncProto = 13,
    Var = 14,
    Datasec = 15,
    Float = 16,
    DeclTag = 17,
    TypeTag = 18,
    Enum64 = 19,
}

/// <summary>Names as bpftool and libbpf print them (<c>btf_kind_str</c>).</summary>
public static class BtfKindNames
{
    private static readonly string[] Names =
    [
        "UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE",
        "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64",
    ];

    public static string ToUapiName(this BtfKind kind) =>
        (int)kind < Names.Length ? Names[(int)kind] : "UNKNOWN";
}

/// <summary><c>BTF_INT_ENCODING</c> bits of the word that follows an INT type.</summary>
[Flags]
public enum BtfIntEncoding : byte
{
    None = 0,
    Signed = 1 << 0,
    Char = 1 << 1,
    Bool = 1 << 2,
}

/// <summary>Linkage of a FUNC (<c>btf_func_linkage</c>, kept in vlen) or a VAR (<c>struct btf_var.linkage</c>).</summary>
public enum BtfLinkage : uint
{
    /// <summary><c>BTF_FUNC_STATIC</c> / <c>BTF_VAR_STATIC</c>.</summary>
    Static = 0,
    /// <summary><c>BTF_FUNC_GLOBAL</c> / <c>BTF_VAR_GLOBAL_ALLOCATED</c>.</summary>
    Global = 1,
    /// <summary><c>BTF_FUNC_EXTERN</c> / <c>BTF_VAR_GLOBAL_EXTERN</c>.</summary>
    Extern = 2,
}
