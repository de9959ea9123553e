using System.Globalization;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Core;

/// <summary>
/// One step of a CO-RE access path (libbpf's <c>struct bpf_core_accessor</c>): a named member of a STRUCT or
/// UNION (<see cref="TypeId"/> is the composite, <see cref="Index"/> the member), or an array element
/// (<see cref="TypeId"/> is the element type, <see cref="Index"/> the element), or for enum relocations the
/// enumerator of an ENUM/ENUM64.
/// </summary>
public readonly record struct CoreAccessor(int TypeId, int Index, uint NameOffset, bool HasName);

/// <summary>
/// A CO-RE spec resolved against one BTF (libbpf's <c>struct bpf_core_spec</c>), as a plain value: the root type,
/// the high-level accessors (named members and array indexes; anonymous members are folded away), the raw access
/// string with anonymous members included, the bit offset of the field it reaches, and its text as libbpf prints
/// it. It refers to no <see cref="Btf"/>, so it outlives the (mapped) kernel types it was resolved against.
/// </summary>
public sealed class CoreSpec
{
    internal CoreSpec(string source, int rootTypeId, BpfCoreRelocationKind kind, uint bitOffset, CoreAccessor[] accessors, int[] rawAccessString, string text)
    {
        Source = source;
        RootTypeId = rootTypeId;
        Kind = kind;
        BitOffset = bitOffset;
        Accessors = accessors;
        RawAccessString = rawAccessString;
        _text = text;
    }

    private readonly string _text;

    /// <summary>The <see cref="Btf.SectionName"/> of the BTF the type ids refer to (the object's, vmlinux, or a module's).</summary>
    public string Source { get; }

    public int RootTypeId { get; }

    public BpfCoreRelocationKind Kind { get; }

    /// <summary>Bit offset of the field from the start of the root type (libbpf keeps it in a u32).</summary>
    public uint BitOffset { get; }

    public IReadOnlyList<CoreAccessor> Accessors { get; }

    /// <summary>The access string as indexes, anonymous members included (<c>0:3:0</c>).</summary>
    public IReadOnlyList<int> RawAccessString { get; }

    /// <summary>
    /// The spec as libbpf's <c>bpf_core_format_spec</c> prints it, e.g.
    /// <c>&lt;byte_off&gt; [7] struct task_struct.pid (0:66 @ offset 2372)</c>.
    /// </summary>
    public override string ToString() => _text;
}

/// <summary>
/// The working form of a <see cref="CoreSpec"/> while the relocator parses and matches it: reused across
/// candidates, reading names from the <see cref="Btf"/> it is resolved against; <see cref="ToValue"/> keeps the result.
/// </summary>
internal sealed class CoreSpecBuilder
{
    /// <summary><c>BPF_CORE_SPEC_MAX_LEN</c>: the deepest access path libbpf accepts.</summary>
    public const int MaxLength = 64;

    private CoreAccessor[] _accessors = new CoreAccessor[8];
    private int[] _raw = new int[8];

    internal CoreSpecBuilder(Btf btf) => Btf = btf;

    /// <summary>The BTF the type ids refer to (the object's, vmlinux, or a module's).</summary>
    public Btf Btf { get; private set; }

    public int RootTypeId { get; private set; }

    public BpfCoreRelocationKind Kind { get; private set; }

    /// <summary>Bit offset of the field from the start of the root type (libbpf keeps it in a u32).</summary>
    public uint BitOffset { get; internal set; }

    public int Length { get; private set; }

    public int RawLength { get; private set; }

    public ReadOnlySpan<CoreAccessor> Accessors => _accessors.AsSpan(0, Length);

    /// <summary>The access string as indexes, anonymous members included (<c>0:3:0</c>).</summary>
    public ReadOnlySpan<int> RawAccessString => _raw.AsSpan(0, RawLength);

    internal void Reset(Btf btf, int rootTypeId, BpfCoreRelocationKind kind)
    {
        Btf = btf;
        RootTypeId = rootTypeId;
        Kind = kind;
        BitOffset = 0;
        Length = 0;
        RawLength = 0;
    }

    internal ref CoreAccessor LastAccessor => ref _accessors[Length - 1];

    internal ref CoreAccessor AccessorAt(int index) => ref _accessors[index];

    internal void PushAccessor(CoreAccessor accessor)
    {
        if (Length == _accessors.Length)
            Array.Resize(ref _accessors, _accessors.Length * 2);
        _accessors[Length++] = accessor;
    }

    internal void PopAccessor() => Length--;

    /// <summary>Appends to the raw access string; false once it is <see cref="MaxLength"/> long (libbpf's E2BIG).</summary>
    internal bool TryPushRaw(int index)
    {
        if (RawLength == MaxLength)
            return false;
        if (RawLength == _raw.Length)
            Array.Resize(ref _raw, _raw.Length * 2);
        _raw[RawLength++] = index;
        return true;
    }

    internal void PopRaw() => RawLength--;

    /// <summary>The spec as a value that no longer needs its BTF.</summary>
    internal CoreSpec ToValue() =>
        new(Btf.SectionName, RootTypeId, Kind, BitOffset, Accessors.ToArray(), RawAccessString.ToArray(), ToString());

    internal CoreSpecBuilder Clone()
    {
        var copy = new CoreSpecBuilder(Btf)
        {
            RootTypeId = RootTypeId,
            Kind = Kind,
            BitOffset = BitOffset,
            Length = Length,
            RawLength = RawLength,
            _accessors = Accessors.ToArray(),
            _raw = RawAccessString.ToArray(),
        };
        if (copy._accessors.Length == 0)
            copy._accessors = new CoreAccessor[1];
        if (copy._raw.Length == 0)
            copy._raw = new int[1];
        return copy;
    }

    /// <summary>
    /// The spec as libbpf's <c>bpf_core_format_spec</c> prints it, e.g.
    /// <c>&lt;byte_off&gt; [7] struct task_struct.pid (0:66 @ offset 2372)</c>.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        var root = Btf.GetType(RootTypeId);
        var rootName = root.Name;
        text.Append('<').Append(CoreRelocationKinds.LibbpfName(Kind)).Append("> [").Append(RootTypeId).Append("] ")
            .Append(CoreRelocationKinds.LibbpfKindName(root.Kind)).Append(' ').Append(rootName.Length == 0 ? "<anon>" : rootName);
        if (CoreRelocationKinds.IsTypeBased(Kind))
            return text.ToString();
        if (CoreRelocationKinds.IsEnumValueBased(Kind))
        {
            var enumType = Btf.SkipModifiersAndTypedefs(RootTypeId);
            if (RawLength == 0 || !enumType.IsEnum || (uint)_raw[0] >= (uint)enumType.Vlen)
                return text.ToString();
            var value = enumType.EnumValues[_raw[0]];
            text.Append("::").Append(value.Name).Append(" = ");
            if (enumType.Kind == BtfKind.Enum)
            {
                // btf_enum.val is an s32 printed with %d or %u by the enum's signedness.
                var raw = (int)value.UnsignedValue;
                text.Append(enumType.KindFlag ? raw.ToString(CultureInfo.InvariantCulture) : ((uint)raw).ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(enumType.KindFlag ? value.SignedValue.ToString(CultureInfo.InvariantCulture) : value.UnsignedValue.ToString(CultureInfo.InvariantCulture));
            }
            return text.ToString();
        }
        for (var i = 0; i < Length; i++)
        {
            var accessor = _accessors[i];
            if (accessor.HasName)
                text.Append('.').Append(Btf.GetString(accessor.NameOffset));
            else if (i > 0 || accessor.Index > 0)
                text.Append('[').Append((uint)accessor.Index).Append(']');
        }
        text.Append(" (");
        for (var i = 0; i < RawLength; i++)
        {
            if (i > 0)
                text.Append(':');
            text.Append(_raw[i]);
        }
        text.Append(" @ offset ").Append(BitOffset / 8);
        if (BitOffset % 8 != 0)
            text.Append('.').Append(BitOffset % 8);
        return text.Append(')').ToString();
    }
}

/// <summary>Classification and names of uapi <c>enum bpf_core_relo_kind</c> as libbpf uses them.</summary>
public static class CoreRelocationKinds
{
    public static bool IsFieldBased(BpfCoreRelocationKind kind) => kind <= BpfCoreRelocationKind.FieldRShiftU64;

    public static bool IsTypeBased(BpfCoreRelocationKind kind) => kind is BpfCoreRelocationKind.TypeIdLocal
        or BpfCoreRelocationKind.TypeIdTarget or BpfCoreRelocationKind.TypeExists or BpfCoreRelocationKind.TypeSize
        or BpfCoreRelocationKind.TypeMatches;

    public static bool IsEnumValueBased(BpfCoreRelocationKind kind) =>
        kind is BpfCoreRelocationKind.EnumValueExists or BpfCoreRelocationKind.EnumValueValue;

    /// <summary>libbpf's <c>core_relo_kind_str</c>.</summary>
    public static string LibbpfName(BpfCoreRelocationKind kind) => kind switch
    {
        BpfCoreRelocationKind.FieldByteOffset => "byte_off",
        BpfCoreRelocationKind.FieldByteSize => "byte_sz",
        BpfCoreRelocationKind.FieldExists => "field_exists",
        BpfCoreRelocationKind.FieldSigned => "signed",
        BpfCoreRelocationKind.FieldLShiftU64 => "lshift_u64",
        BpfCoreRelocationKind.FieldRShiftU64 => "rshift_u64",
        BpfCoreRelocationKind.TypeIdLocal => "local_type_id",
        BpfCoreRelocationKind.TypeIdTarget => "target_type_id",
        BpfCoreRelocationKind.TypeExists => "type_exists",
        BpfCoreRelocationKind.TypeMatches => "type_matches",
        BpfCoreRelocationKind.TypeSize => "type_size",
        BpfCoreRelocationKind.EnumValueExists => "enumval_exists",
        BpfCoreRelocationKind.EnumValueValue => "enumval_value",
        _ => "unknown",
    };

    /// <summary>libbpf's <c>btf_kind_str</c>: the uapi name in lower case.</summary>
    public static string LibbpfKindName(BtfKind kind) => kind switch
    {
        BtfKind.Unknown => "void",
        BtfKind.Int => "int",
        BtfKind.Ptr => "ptr",
        BtfKind.Array => "array",
        BtfKind.Struct => "struct",
        BtfKind.Union => "union",
        BtfKind.Enum => "enum",
        BtfKind.Fwd => "fwd",
        BtfKind.Typedef => "typedef",
        BtfKind.Volatile => "volatile",
        BtfKind.Const => "const",
        BtfKind.Restrict => "restrict",
        BtfKind.Func => "func",
        BtfKind.FuncProto => "func_proto",
        BtfKind.Var => "var",
        BtfKind.Datasec => "datasec",
        BtfKind.Float => "float",
        BtfKind.DeclTag => "decl_tag",
        BtfKind.TypeTag => "type_tag",
        BtfKind.Enum64 => "enum64",
        _ => "unknown",
    };
}
