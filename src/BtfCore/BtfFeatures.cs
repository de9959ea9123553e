namespace RawBpf.BtfCore;

/// <summary>
/// The BTF a kernel's BPF_BTF_LOAD accepts, one flag per addition (all present since 6.0): what the loader
/// probes and what <see cref="BtfSanitizer"/> rewrites when a flag is missing.
/// </summary>
[Flags]
public enum BtfFeatures
{
    None = 0,

    /// <summary>BTF_LOAD itself (4.18); without it no BTF is loaded at all.</summary>
    Basic = 1 << 0,

    /// <summary>BTF_KIND_FUNC and BTF_KIND_FUNC_PROTO (5.0).</summary>
    Func = 1 << 1,

    /// <summary>BTF_KIND_FUNC with BTF_FUNC_GLOBAL linkage (5.6).</summary>
    GlobalFunc = 1 << 2,

    /// <summary>BTF_KIND_VAR and BTF_KIND_DATASEC (5.2).</summary>
    DataSec = 1 << 3,

    /// <summary>BTF_KIND_FLOAT (5.13).</summary>
    Float = 1 << 4,

    /// <summary>BTF_KIND_DECL_TAG (5.16).</summary>
    DeclTag = 1 << 5,

    /// <summary>BTF_KIND_TYPE_TAG (5.17).</summary>
    TypeTag = 1 << 6,

    /// <summary>BTF_KIND_ENUM64 and signed ENUM (6.0).</summary>
    Enum64 = 1 << 7,

    /// <summary>Everything above: a kernel that needs no sanitizing.</summary>
    All = Basic | Func | GlobalFunc | DataSec | Float | DeclTag | TypeTag | Enum64,
}
