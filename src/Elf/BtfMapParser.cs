using System.Buffers.Binary;
using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>
/// BTF-defined maps (libbpf's <c>bpf_object__init_user_btf_maps</c> and <c>parse_btf_map_def</c>): each VAR of
/// the <c>.maps</c> DATASEC is a struct whose members encode attributes in their types: <c>int (*type)[N]</c>
/// means type = N; <c>key</c>/<c>value</c> are pointers to the key/value types; <c>values</c> is a zero-length
/// array of pointers to the inner map definition (map-in-map) or to a function prototype (prog array).
/// </summary>
internal static class BtfMapParser
{
    private const string MapsSection = ".maps";

    public static List<MapDefinition> Parse(ObjectBtf objectBtf, ElfSection section)
    {
        var datasec = objectBtf.FindDatasec(MapsSection)
            ?? throw new ElfFormatException(MapsSection, 0, "the object BTF has no DATASEC '.maps' describing this section");
        var btf = objectBtf.Btf!;
        var maps = new List<MapDefinition>();
        var index = 0;
        foreach (var info in datasec.Variables)
        {
            var variable = btf.GetType(info.TypeId);
            var name = variable.Kind == BtfKind.Var ? variable.Name : "";
            if (name.Length == 0)
                throw new ElfFormatException(MapsSection, -1, $"map #{index}: empty name or not a VAR");
            if (variable.Linkage != BtfLinkage.Global)
                throw new ElfFormatException(MapsSection, -1, $"map '{name}': unsupported map linkage {variable.Linkage} (must be global)");
            var symbol = objectBtf.FindVariableSymbol(name);
            if (symbol is not { } s || s.SectionIndex != section.Index)
                throw new ElfFormatException(MapsSection, -1, $"map '{name}': no global symbol in .maps");
            var offset = (long)s.Value;
            if ((ulong)offset + info.Size > (ulong)section.Size)
                throw new ElfFormatException(MapsSection, offset, $"map '{name}': definition [{offset}, +{info.Size}) runs past the section ({section.Size} bytes)");
            var definition = btf.SkipModifiersAndTypedefs(variable.TypeId);
            if (definition.Kind != BtfKind.Struct)
                throw new ElfFormatException(MapsSection, offset, $"map '{name}': definition is {definition.Kind.ToUapiName()}, expected STRUCT");
            if (definition.Size > info.Size)
                throw new ElfFormatException(MapsSection, offset, $"map '{name}': definition struct of {definition.Size} bytes is larger than its variable ({info.Size})");
            var attributes = ParseDefinition(btf, name, definition, isInner: false, section.Index, offset);
            maps.Add(attributes.ToDefinition(name, section.Index, offset, info.Size, info.TypeId));
            index++;
        }
        return maps;
    }

    /// <summary>The attributes of one definition as its members give them; the map is made from them at the end.</summary>
    private sealed class MapAttributes
    {
        public BpfMapType Type;
        public uint KeySize, ValueSize, MaxEntries, NumaNode;
        public BpfMapFlags Flags;
        public int KeyTypeId, ValueTypeId;
        public ulong MapExtra;
        public MapPinning Pinning;
        public MapDefinition? InnerMap;
        public bool HasValuesMember;

        public MapDefinition ToDefinition(string name, int sectionIndex, long sectionOffset = 0, long sectionSize = 0, int btfVarTypeId = 0) =>
            new(name, MapKind.BtfDefined)
            {
                RealName = name,
                SectionIndex = sectionIndex,
                SectionOffset = sectionOffset,
                SectionSize = sectionSize,
                BtfVarTypeId = btfVarTypeId,
                Type = Type,
                KeySize = KeySize,
                ValueSize = ValueSize,
                KeyTypeId = KeyTypeId,
                ValueTypeId = ValueTypeId,
                MaxEntries = MaxEntries,
                Flags = Flags,
                NumaNode = NumaNode,
                MapExtra = MapExtra,
                Pinning = Pinning,
                InnerMap = InnerMap,
                HasValuesMember = HasValuesMember,
            };
    }

    private static MapAttributes ParseDefinition(Btf btf, string mapName, BtfType definition, bool isInner, int sectionIndex, long offset)
    {
        var map = new MapAttributes();
        var vlen = definition.Vlen;
        var hasKeySize = false;
        var hasValueSize = false;
        for (var i = 0; i < vlen; i++)
        {
            var member = definition.Members[i];
            var attribute = member.Name;
            ElfFormatException Bad(string problem) => new(MapsSection, offset, $"map '{mapName}': attribute '{attribute}': {problem}");
            switch (attribute)
            {
                case "type":
                    map.Type = (BpfMapType)IntAttribute(btf, member, Bad);
                    break;
                case "max_entries":
                    map.MaxEntries = IntAttribute(btf, member, Bad);
                    break;
                case "map_flags":
                    map.Flags = (BpfMapFlags)IntAttribute(btf, member, Bad);
                    break;
                case "numa_node":
                    map.NumaNode = IntAttribute(btf, member, Bad);
                    break;
                case "key_size":
                    {
                        var size = IntAttribute(btf, member, Bad);
                        if (hasKeySize && map.KeySize != size)
                            throw Bad($"conflicting key size {map.KeySize} != {size}");
                        map.KeySize = size;
                        hasKeySize = true;
                        break;
                    }
                case "key":
                    {
                        var (typeId, size) = PointedType(btf, member, Bad);
                        if (hasKeySize && map.KeySize != size)
                            throw Bad($"conflicting key size {map.KeySize} != {size}");
                        map.KeySize = size;
                        map.KeyTypeId = typeId;
                        hasKeySize = true;
                        break;
                    }
                case "value_size":
                    {
                        var size = IntAttribute(btf, member, Bad);
                        if (hasValueSize && map.ValueSize != size)
                            throw Bad($"conflicting value size {map.ValueSize} != {size}");
                        map.ValueSize = size;
                        hasValueSize = true;
                        break;
                    }
                case "value":
                    {
                        var (typeId, size) = PointedType(btf, member, Bad);
                        if (hasValueSize && map.ValueSize != size)
                            throw Bad($"conflicting value size {map.ValueSize} != {size}");
                        map.ValueSize = size;
                        map.ValueTypeId = typeId;
                        hasValueSize = true;
                        break;
                    }
                case "values":
                    ParseValues(btf, mapName, map, member, i == vlen - 1, isInner, hasValueSize, sectionIndex, offset, Bad);
                    hasValueSize = true;
                    break;
                case "pinning":
                    {
                        if (isInner)
                            throw Bad("an inner map definition cannot be pinned");
                        var value = IntAttribute(btf, member, Bad);
                        if (value > (uint)MapPinning.ByName)
                            throw Bad($"invalid pinning value {value}");
                        map.Pinning = (MapPinning)value;
                        break;
                    }
                case "map_extra":
                    map.MapExtra = LongAttribute(btf, member, Bad);
                    break;
                default:
                    // libbpf 1.x parses strictly: an unknown attribute is an error, not a silent default.
                    throw Bad("unknown map attribute");
            }
        }
        if (map.Type == BpfMapType.Unspecified)
            throw new ElfFormatException(MapsSection, offset, $"map '{mapName}': map type isn't specified");
        return map;
    }

    private static void ParseValues(Btf btf, string mapName, MapAttributes map, BtfMember member, bool isLast, bool isInner,
        bool hasValueSize, int sectionIndex, long offset, Func<string, ElfFormatException> bad)
    {
        var isMapInMap = map.Type is BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps;
        var isProgArray = map.Type == BpfMapType.ProgArray;
        if (isInner)
            throw bad("multi-level inner maps are not supported");
        if (!isLast)
            throw bad("'values' must be the last member");
        if (!isMapInMap && !isProgArray)
            throw bad("only map-in-map and prog-array maps have 'values'");
        if (hasValueSize && map.ValueSize != 4)
            throw bad($"conflicting value size {map.ValueSize} != 4");
        map.ValueSize = 4;
        map.HasValuesMember = true;
        var array = btf.GetType(member.TypeId);
        if (array.Kind != BtfKind.Array || array.ArrayLength != 0)
            throw bad("spec is not a zero-sized array");
        var pointer = btf.SkipModifiersAndTypedefs(array.ArrayElementTypeId);
        if (pointer.Kind != BtfKind.Ptr)
            throw bad($"element is {pointer.Kind.ToUapiName()}, expected PTR");
        var target = btf.SkipModifiersAndTypedefs(pointer.TypeId);
        if (isProgArray)
        {
            if (target.Kind != BtfKind.FuncProto)
                throw bad($"prog-array value is {target.Kind.ToUapiName()}, expected FUNC_PROTO");
            return;
        }
        if (target.Kind != BtfKind.Struct)
            throw bad($"inner map definition is {target.Kind.ToUapiName()}, expected STRUCT");
        var innerName = mapName + ".inner";
        map.InnerMap = ParseDefinition(btf, innerName, target, isInner: true, sectionIndex, offset).ToDefinition(innerName, sectionIndex);
    }

    /// <summary>get_map_field_int: the member is a pointer to an array whose length is the value.</summary>
    private static uint IntAttribute(Btf btf, BtfMember member, Func<string, ElfFormatException> bad)
    {
        var pointer = btf.SkipModifiersAndTypedefs(member.TypeId);
        if (pointer.Kind != BtfKind.Ptr)
            throw bad($"expected PTR, got {pointer.Kind.ToUapiName()}");
        if (!btf.ContainsType(pointer.TypeId))
            throw bad($"type [{pointer.TypeId}] not found");
        var array = btf.GetType(pointer.TypeId);
        if (array.Kind != BtfKind.Array)
            throw bad($"expected ARRAY, got {array.Kind.ToUapiName()}");
        return array.ArrayLength;
    }

    /// <summary>get_map_field_long: a pointer to an array, or an enum with one 64-bit enumerator (__ulong).</summary>
    private static ulong LongAttribute(Btf btf, BtfMember member, Func<string, ElfFormatException> bad)
    {
        var type = btf.SkipModifiersAndTypedefs(member.TypeId);
        if (type.Kind == BtfKind.Ptr)
            return IntAttribute(btf, member, bad);
        if (!type.IsEnum)
            throw bad($"expected ENUM or ENUM64, got {type.Kind.ToUapiName()}");
        if (type.Vlen != 1)
            throw bad("invalid __ulong: the enum must have exactly one value");
        var value = type.EnumValues[0];
        return type.Kind == BtfKind.Enum ? (uint)value.UnsignedValue : value.UnsignedValue;
    }

    /// <summary>key/value: a pointer (not skipping modifiers, as libbpf) to the type whose size is the key/value size.</summary>
    private static (int TypeId, uint Size) PointedType(Btf btf, BtfMember member, Func<string, ElfFormatException> bad)
    {
        if (!btf.ContainsType(member.TypeId))
            throw bad($"type [{member.TypeId}] not found");
        var pointer = btf.GetType(member.TypeId);
        if (pointer.Kind != BtfKind.Ptr)
            throw bad($"spec is not PTR: {pointer.Kind.ToUapiName()}");
        long size;
        try
        {
            size = btf.ResolveSize(pointer.TypeId);
        }
        catch (BtfFormatException e)
        {
            throw bad($"can't determine size of type [{pointer.TypeId}]: {e.Message}");
        }
        if (size > uint.MaxValue)
            throw bad($"size {size} of type [{pointer.TypeId}] is absurd");
        return (pointer.TypeId, (uint)size);
    }

    /// <summary>
    /// bpf_object__collect_map_relos: <c>.values = { [i] = &amp;inner_map }</c> / <c>{ [i] = &amp;prog }</c>
    /// initialisers, per map; <paramref name="maps"/> without slots yet, <paramref name="functions"/> every function.
    /// </summary>
    public static Dictionary<MapDefinition, IReadOnlyList<MapInitialSlot>> CollectInitialSlots(ObjectBtf objectBtf, int mapsSectionIndex,
        IReadOnlyList<MapDefinition> maps, IReadOnlyList<ProgramDefinition> functions, ElfSection relocations)
    {
        const string section = ".rel.maps";
        var symbols = objectBtf.Symbols;
        var data = relocations.Data.Span;
        var slots = new Dictionary<MapDefinition, List<MapInitialSlot>>();
        for (var i = 0; i * ElfConstants.RelSize < data.Length; i++)
        {
            var at = i * ElfConstants.RelSize;
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(data[at..]);
            var info = BinaryPrimitives.ReadUInt64LittleEndian(data[(at + 8)..]);
            var symbolIndex = info >> 32;
            if (symbolIndex >= (ulong)symbols.Count)
                throw new ElfFormatException(section, at + 8, $"relocation #{i}: symbol index {symbolIndex} is out of range ({symbols.Count} symbols)");
            var symbol = symbols[(int)symbolIndex];
            MapDefinition? map = null;
            foreach (var candidate in maps)
            {
                if (candidate.Kind != MapKind.BtfDefined)
                    continue;
                if ((ulong)candidate.SectionOffset <= offset && offset + 8 <= (ulong)candidate.SectionOffset + (ulong)candidate.SectionSize)
                {
                    map = candidate;
                    break;
                }
            }
            if (map is null)
                throw new ElfFormatException(section, at, $"relocation #{i}: no map at .maps offset {offset} for '{symbol.Name}'");
            if (!map.HasValuesMember)
                throw new ElfFormatException(section, at, $"relocation #{i}: map '{map.Name}' has no 'values' member to initialise");
            var target = map.Type == BpfMapType.ProgArray
                ? ProgramTarget(functions, symbol, section, at, i)
                : MapTarget(mapsSectionIndex, maps, symbol, section, at, i);
            var btf = objectBtf.Btf!;
            var definition = btf.SkipModifiersAndTypedefs(btf.GetType(map.BtfVarTypeId).TypeId);
            var valuesMember = definition.Members[definition.Vlen - 1];
            var memberOffset = valuesMember.BitOffset / 8;
            var within = (long)offset - map.SectionOffset - memberOffset;
            if (within < 0 || within % 8 != 0)
                throw new ElfFormatException(section, at, $"relocation #{i}: offset {offset} is not a slot of map '{map.Name}'");
            if (!slots.TryGetValue(map, out var list))
                slots[map] = list = [];
            list.Add(new MapInitialSlot((int)(within / 8), target));
        }
        return slots.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<MapInitialSlot>)pair.Value.OrderBy(s => s.Index).ToArray());
    }

    private static string MapTarget(int mapsSectionIndex, IReadOnlyList<MapDefinition> maps, ElfSymbol symbol, string section, int at, int i)
    {
        if (symbol.SectionIndex != mapsSectionIndex || !maps.Any(m => m.Name == symbol.Name))
            throw new ElfFormatException(section, at, $"relocation #{i}: '{symbol.Name}' isn't a BTF-defined map");
        return symbol.Name;
    }

    private static string ProgramTarget(IReadOnlyList<ProgramDefinition> functions, ElfSymbol symbol, string section, int at, int i)
    {
        var program = functions.FirstOrDefault(f => f.Name == symbol.Name);
        if (program is null || program.IsSubprogram || program.SectionIndex != symbol.SectionIndex
            || (ulong)program.InstructionOffset * 8 != symbol.Value)
            throw new ElfFormatException(section, at, $"relocation #{i}: '{symbol.Name}' isn't an entry-point BPF program");
        return symbol.Name;
    }
}
