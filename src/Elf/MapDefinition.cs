using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>Where a map definition came from, which decides how the loader creates and fills it.</summary>
public enum MapKind
{
    /// <summary>A BTF-defined map in <c>.maps</c>.</summary>
    BtfDefined,
    /// <summary>The internal array of a <c>.data</c>/<c>.data.*</c> section (initial value from the ELF).</summary>
    Data,
    /// <summary>The internal array of a <c>.rodata</c>/<c>.rodata.*</c> section: BPF_F_RDONLY_PROG, frozen by the loader after filling.</summary>
    ReadOnlyData,
    /// <summary>The internal array of <c>.bss</c>/<c>.bss.*</c>: zero-filled.</summary>
    Bss,
    /// <summary>The internal array holding <c>.kconfig</c> extern values, which the loader computes.</summary>
    Kconfig,
    /// <summary>A variable of <c>.struct_ops</c>/<c>.struct_ops.link</c>: a BPF_MAP_TYPE_STRUCT_OPS map (see <see cref="MapDefinition.StructOps"/>).</summary>
    StructOps,
}

/// <summary>libbpf's <c>enum libbpf_pin_type</c>: the <c>pinning</c> attribute.</summary>
public enum MapPinning : uint
{
    None = 0,
    /// <summary><c>LIBBPF_PIN_BY_NAME</c>: pinned at &lt;pin root&gt;/&lt;map name&gt; (default root /sys/fs/bpf).</summary>
    ByName = 1,
}

/// <summary>
/// A map as libbpf would create it from the object: the attributes of <c>BPF_MAP_CREATE</c> plus, for global
/// data sections, the initial value and the variables inside it. Immutable: a loader that changes a
/// <c>const volatile</c> value copies <see cref="InitialValue"/> first (see <see cref="GlobalVariable"/>).
/// </summary>
public sealed class MapDefinition
{
    internal MapDefinition(string name, MapKind kind)
    {
        Name = name;
        Kind = kind;
    }

    /// <summary>The map's name as libbpf names it: the VAR name for .maps, <c>internal_map_name</c> for data sections.</summary>
    public string Name { get; }

    /// <summary>For data maps, the ELF section name (<c>.rodata</c>); for BTF maps, the VAR name. libbpf's <c>real_name</c>.</summary>
    public string RealName { get; internal init; } = "";

    /// <summary>The name the kernel keeps (<c>bpf_attr.map_name</c>): <see cref="Name"/> cut to 15 characters.</summary>
    public string KernelName => BpfLimits.TruncateObjectName(Name);

    public MapKind Kind { get; }
    public BpfMapType Type { get; internal init; }
    public uint KeySize { get; internal init; }
    public uint ValueSize { get; internal init; }

    /// <summary>BTF type id of the key (<c>btf_key_type_id</c>), 0 when only key_size was given.</summary>
    public int KeyTypeId { get; internal init; }

    /// <summary>BTF type id of the value (<c>btf_value_type_id</c>): the value type, or for data maps the DATASEC; 0 if none.</summary>
    public int ValueTypeId { get; internal init; }

    /// <summary>max_entries as written. For ring buffers libbpf rounds it up to a power-of-2 multiple of the page size at load; the loader does that.</summary>
    public uint MaxEntries { get; internal init; }

    /// <summary><c>map_flags</c> (BPF_F_*).</summary>
    public BpfMapFlags Flags { get; internal init; }
    public uint NumaNode { get; internal init; }
    public ulong MapExtra { get; internal init; }
    public MapPinning Pinning { get; internal init; }

    /// <summary>The inner map's definition of a map-in-map (<c>__array(values, struct inner)</c>), named "&lt;outer&gt;.inner".</summary>
    public MapDefinition? InnerMap { get; internal init; }

    /// <summary>True when the definition had a <c>values</c> member (map-in-map inner definition or a prog array's value prototype).</summary>
    public bool HasValuesMember { get; internal init; }

    /// <summary>Static initial slots of a map-in-map or prog array (<c>.values = { [i] = &amp;x }</c>, from <c>.rel.maps</c>).</summary>
    public IReadOnlyList<MapInitialSlot> InitialSlots { get; private set; } = [];

    /// <summary>This definition with the slots that <c>.rel.maps</c> initialises, known once every map and program is.</summary>
    internal MapDefinition WithInitialSlots(IReadOnlyList<MapInitialSlot> slots)
    {
        var initialised = (MapDefinition)MemberwiseClone();
        initialised.InitialSlots = slots;
        return initialised;
    }

    /// <summary>The ELF section the definition lives in (.maps, a data section; for .kconfig the symbol table, as libbpf).</summary>
    public int SectionIndex { get; internal init; }

    /// <summary>Byte offset of the definition within its section (the VAR's symbol value; 0 for data maps).</summary>
    public long SectionOffset { get; internal init; }

    /// <summary>For BTF maps the bytes the definition occupies in .maps (the DATASEC entry's size, initialisers included).</summary>
    public long SectionSize { get; internal init; }

    /// <summary>For BTF maps the VAR's type id in the object BTF; otherwise 0.</summary>
    public int BtfVarTypeId { get; internal init; }

    private ReadOnlyMemory<byte> _initialValue;

    /// <summary>
    /// The initial value of a data map (the section bytes; zeros for .bss and .kconfig, made on first read so that
    /// parsing never allocates what an object only declares: a NOBITS sh_size costs no file bytes). Empty for BTF maps.
    /// </summary>
    public ReadOnlyMemory<byte> InitialValue
    {
        get
        {
            if (ZeroedLength > 0 && _initialValue.IsEmpty)
                _initialValue = new byte[ZeroedLength];
            return _initialValue;
        }
        internal init => _initialValue = value;
    }

    /// <summary>For .bss and .kconfig: <see cref="InitialValue"/> is this many zero bytes.</summary>
    internal int ZeroedLength { get; init; }

    /// <summary>The variables of a data section with their offsets after libbpf's DATASEC fix-up, sorted by offset.</summary>
    public IReadOnlyList<GlobalVariable> Variables { get; internal init; } = [];

    /// <summary>For a struct_ops map: the kernel struct it implements and the programs of its function pointers; else null.</summary>
    public StructOpsDefinition? StructOps { get; internal init; }

    /// <summary>A map the loader makes from a data section (.data, .rodata, .bss, .kconfig), not declared in .maps or .struct_ops.</summary>
    public bool IsInternal => Kind is not (MapKind.BtfDefined or MapKind.StructOps);

    /// <summary>The variable named <paramref name="name"/>, or null.</summary>
    public GlobalVariable? FindVariable(string name)
    {
        foreach (var variable in Variables)
        {
            if (variable.Name == name)
                return variable;
        }
        return null;
    }

    public override string ToString() => $"map '{Name}' {Type} key {KeySize} value {ValueSize} max_entries {MaxEntries} flags 0x{(uint)Flags:x}";
}

/// <summary>One statically initialised slot of a map-in-map (the inner map's name) or prog array (the program's name).</summary>
public readonly record struct MapInitialSlot(int Index, string TargetName);

/// <summary>
/// A global variable in a data section (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>...): its place in the internal
/// map's value, so a caller can set a <c>const volatile</c> before load with <see cref="Write"/>.
/// </summary>
/// <param name="TypeId">The VAR's type (e.g. a CONST VOLATILE __u32) in the object BTF.</param>
/// <param name="VarTypeId">The VAR itself in the object BTF.</param>
/// <param name="IsHidden">A GLOBAL symbol with hidden/internal visibility: libbpf treats it as static.</param>
public sealed record GlobalVariable(string Name, string SectionName, uint Offset, uint Size, int TypeId, int VarTypeId, BtfLinkage Linkage, bool IsHidden)
{
    /// <summary>Copies <paramref name="value"/> (exactly <see cref="Size"/> bytes) into a map value buffer.</summary>
    public void Write(Span<byte> mapValue, ReadOnlySpan<byte> value)
    {
        if (value.Length != Size)
            throw new ArgumentException($"variable '{Name}' is {Size} bytes, got {value.Length}", nameof(value));
        if ((ulong)Offset + Size > (ulong)mapValue.Length)
            throw new ArgumentException($"variable '{Name}' at [{Offset}, +{Size}) does not fit a value of {mapValue.Length} bytes", nameof(mapValue));
        value.CopyTo(mapValue.Slice((int)Offset, (int)Size));
    }

    /// <summary>The variable's bytes within a map value buffer.</summary>
    public ReadOnlySpan<byte> Read(ReadOnlySpan<byte> mapValue) => mapValue.Slice((int)Offset, (int)Size);
}
