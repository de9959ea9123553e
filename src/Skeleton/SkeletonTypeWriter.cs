using System.Globalization;
using System.Text;
using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Skeleton;

/// <summary>
/// C types from an object's BTF as blittable C# declarations: structs and unions with explicit offsets (anonymous
/// members flattened, bitfields as properties over their storage), enums with the C size and signedness,
/// arrays as inline arrays, pointers as <see cref="ulong"/>. Declarations are made on first use, once each.
/// </summary>
internal sealed class SkeletonTypeWriter(Btf btf, string objectName, HashSet<string> takenTypeNames)
{
    private readonly Dictionary<int, string> _declared = [];
    private readonly Queue<(BtfType Type, string Name)> _pending = new();
    private readonly SortedDictionary<string, (string Element, uint Length)> _arrays = new(StringComparer.Ordinal);
    private readonly StringBuilder _output = new();

    /// <summary>The C# type of a value of BTF type <paramref name="id"/>; <paramref name="anonymousName"/> names an anonymous struct, union or enum.</summary>
    public string TypeName(int id, string anonymousName)
    {
        var type = btf.SkipModifiersAndTypedefs(id);
        switch (type.Kind)
        {
            case BtfKind.Int:
                return IntName(type);
            case BtfKind.Ptr:
                return "ulong";
            case BtfKind.Float when type.Size is 4 or 8:
                return type.Size == 4 ? "float" : "double";
            case BtfKind.Enum or BtfKind.Enum64 or BtfKind.Struct or BtfKind.Union:
                return Declare(type, anonymousName);
            case BtfKind.Array when type.ArrayLength > 0:
                var element = TypeName(type.ArrayElementTypeId, anonymousName + "Element");
                var name = CSharpNames.Pascal(element) + "Array" + type.ArrayLength.ToString(CultureInfo.InvariantCulture);
                _arrays[name] = (element, type.ArrayLength);
                return name;
            default:
                throw Unsupported(id, $"a {type.Kind.ToUapiName()} has no C# value type");
        }
    }

    /// <summary>Declares a named struct, union or enum (and what it contains) though nothing refers to it yet.</summary>
    public void Include(BtfType type) => Declare(type, CSharpNames.Pascal(type.Name));

    /// <summary>Every declaration made so far and those they need, as members of the skeleton class.</summary>
    public string Flush(string indent)
    {
        while (_pending.TryDequeue(out var next))
        {
            if (next.Type.IsEnum)
                WriteEnum(next.Type, next.Name, indent);
            else
                WriteComposite(next.Type, next.Name, indent);
        }
        foreach (var (name, (element, length)) in _arrays)
        {
            _output.Append(indent).Append("/// <summary>").Append(length).Append(" <see cref=\"").Append(element).AppendLine("\"/> in a row, as a C array.</summary>");
            _output.Append(indent).Append("[global::System.Runtime.CompilerServices.InlineArray(").Append(length).AppendLine(")]");
            _output.Append(indent).Append("public struct ").AppendLine(name);
            _output.Append(indent).AppendLine("{");
            _output.Append(indent).Append("    private ").Append(element).AppendLine(" _element0;");
            _output.Append(indent).AppendLine("}");
            _output.AppendLine();
        }
        _arrays.Clear();
        var text = _output.ToString();
        _output.Clear();
        return text;
    }

    private string Declare(BtfType type, string anonymousName)
    {
        if (_declared.TryGetValue(type.Id, out var name))
            return name;
        if (type.IsComposite && type.Size == 0)
            throw Unsupported(type.Id, "an empty struct has no C# equivalent of size 0");
        name = CSharpNames.Unique(type.Name.Length > 0 ? CSharpNames.Pascal(type.Name) : anonymousName, takenTypeNames);
        _declared[type.Id] = name;
        _pending.Enqueue((type, name));
        return name;
    }

    private static string IntName(BtfType type)
    {
        var encoding = type.IntEncoding;
        if ((encoding & BtfIntEncoding.Bool) != 0 && type.Size == 1)
            return "bool";
        // C strings (char comm[16]) are bytes to .NET, whatever char's signedness on the target.
        if ((encoding & BtfIntEncoding.Char) != 0 || type.Name == "char")
            return "byte";
        var signed = (encoding & BtfIntEncoding.Signed) != 0;
        return type.Size switch
        {
            1 => signed ? "sbyte" : "byte",
            2 => signed ? "short" : "ushort",
            4 => signed ? "int" : "uint",
            8 => signed ? "long" : "ulong",
            16 => signed ? "global::System.Int128" : "global::System.UInt128",
            _ => throw new SkeletonException($"BTF type [{type.Id}] '{type.Name}': an integer of {type.Size} bytes has no C# equivalent"),
        };
    }

    /// <summary>
    /// Signed when kind_flag says so; before clang 15 set it, a value past the enum's unsigned range (-1 stored as
    /// 0xffffffff in a 1-byte packed enum) says so too.
    /// </summary>
    private static bool IsSignedEnum(BtfType type)
    {
        if (type.KindFlag)
            return true;
        if (type.Size >= 4)
            return false;
        var max = (1UL << (int)(type.Size * 8)) - 1;
        foreach (var value in type.EnumValues)
        {
            if (value.UnsignedValue > max)
                return true;
        }
        return false;
    }

    private static string EnumUnderlying(BtfType type) => (type.Size, IsSignedEnum(type)) switch
    {
        (1, true) => "sbyte",
        (1, false) => "byte",
        (2, true) => "short",
        (2, false) => "ushort",
        (4, true) => "int",
        (4, false) => "uint",
        (8, true) => "long",
        (8, false) => "ulong",
        _ => throw new SkeletonException($"BTF type [{type.Id}] '{type.Name}': an enum of {type.Size} bytes has no C# underlying type"),
    };

    private void WriteEnum(BtfType type, string name, string indent)
    {
        _output.Append(indent).Append("/// <summary>C <c>enum ").Append(CName(type)).AppendLine("</c>.</summary>");
        _output.Append(indent).Append("public enum ").Append(name).Append(" : ").AppendLine(EnumUnderlying(type));
        _output.Append(indent).AppendLine("{");
        var values = new List<(string CName, ulong Raw)>();
        foreach (var value in type.EnumValues)
            values.Add((value.Name, value.UnsignedValue));
        var prefix = CommonWordPrefix(values.Select(v => v.CName).ToList());
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var bits = (int)type.Size * 8;
        foreach (var (cName, raw) in values)
        {
            var memberName = CSharpNames.UniqueMember(cName[prefix..], name, taken);
            var truncated = bits == 64 ? raw : raw & ((1UL << bits) - 1);
            var literal = IsSignedEnum(type)
                ? (bits == 64 ? (long)truncated : (long)(truncated << (64 - bits)) >> (64 - bits)).ToString(CultureInfo.InvariantCulture)
                : truncated.ToString(CultureInfo.InvariantCulture);
            _output.Append(indent).Append("    /// <summary>C <c>").Append(cName).AppendLine("</c>.</summary>");
            _output.Append(indent).Append("    ").Append(memberName).Append(" = ").Append(literal).AppendLine(",");
        }
        _output.Append(indent).AppendLine("}");
        _output.AppendLine();
    }

    /// <summary>
    /// The length of the words all names share (SHAPE_CIRCLE, SHAPE_SQUARE: "SHAPE_"), when each name has a word
    /// left after it that can start an identifier; else 0.
    /// </summary>
    private static int CommonWordPrefix(List<string> names)
    {
        if (names.Count < 2)
            return 0;
        var prefix = names[0].LastIndexOf('_') + 1;
        foreach (var name in names)
        {
            while (prefix > 0 && !name.StartsWith(names[0][..prefix], StringComparison.Ordinal))
                prefix = prefix >= 2 ? names[0].LastIndexOf('_', prefix - 2) + 1 : 0;
        }
        return names.All(n => n.Length > prefix && char.IsAsciiLetter(n[prefix])) ? prefix : 0;
    }

    private void WriteComposite(BtfType type, string name, string indent)
    {
        var keyword = type.Kind == BtfKind.Union ? "union" : "struct";
        _output.Append(indent).Append("/// <summary>C <c>").Append(keyword).Append(' ').Append(CName(type)).Append("</c>: ").Append(type.Size)
            .AppendLine(" bytes, offsets from BTF.</summary>");
        _output.Append(indent).Append("[global::System.Runtime.InteropServices.StructLayout(global::System.Runtime.InteropServices.LayoutKind.Explicit, Size = ")
            .Append(type.Size).AppendLine(", Pack = 1)]");
        _output.Append(indent).Append("public partial struct ").AppendLine(name);
        _output.Append(indent).AppendLine("{");
        var members = new CompositeMembers(name, type.Size, indent + "    ");
        WriteMembers(type, 0, members);
        _output.Append(members.Text);
        _output.Append(indent).AppendLine("}");
        _output.AppendLine();
    }

    private sealed class CompositeMembers(string owner, uint size, string indent)
    {
        public string Owner { get; } = owner;
        public uint Size { get; } = size;
        public string Indent { get; } = indent;
        public HashSet<string> Taken { get; } = new(StringComparer.Ordinal);
        public Dictionary<(uint Offset, uint Bytes), string> Storage { get; } = [];
        public StringBuilder Text { get; } = new();
    }

    /// <summary>The members of <paramref name="type"/> at <paramref name="baseBits"/>; an anonymous struct or union member's own members in its place.</summary>
    private void WriteMembers(BtfType type, uint baseBits, CompositeMembers into)
    {
        foreach (var member in type.Members)
        {
            var bitOffset = baseBits + member.BitOffset;
            var resolved = btf.SkipModifiersAndTypedefs(member.TypeId);
            var bitSize = member.BitfieldSize;
            // Old-style bitfields (no kind_flag): the INT itself says how many bits at what offset.
            if (bitSize == 0 && resolved.Kind == BtfKind.Int && resolved.IntBits != resolved.Size * 8)
            {
                bitSize = (uint)resolved.IntBits;
                bitOffset += (uint)resolved.IntBitOffset;
            }
            if (bitSize > 0)
            {
                if (member.Name.Length > 0)
                    WriteBitfield(member.Name, member.TypeId, resolved, bitOffset, bitSize, into);
                continue;
            }
            if (member.Name.Length == 0)
            {
                if (resolved.IsComposite)
                    WriteMembers(resolved, bitOffset, into);
                continue;
            }
            if (bitOffset % 8 != 0)
                throw Unsupported(type.Id, $"member '{member.Name}' starts at bit {bitOffset}, not at a byte");
            if (resolved.Kind == BtfKind.Array && btf.ResolveSize(member.TypeId) == 0)
            {
                into.Text.Append(into.Indent).Append("// ").Append(member.Name).AppendLine("[]: a flexible array member has no place in a fixed layout");
                continue;
            }
            var fieldName = CSharpNames.UniqueMember(member.Name, into.Owner, into.Taken);
            var fieldType = TypeName(member.TypeId, into.Owner + CSharpNames.Pascal(member.Name));
            into.Text.Append(into.Indent).Append("/// <summary>C <c>").Append(member.Name).Append("</c> at byte ").Append(bitOffset / 8).AppendLine(".</summary>");
            into.Text.Append(into.Indent).Append("[global::System.Runtime.InteropServices.FieldOffset(").Append(bitOffset / 8).Append(")] public ")
                .Append(fieldType).Append(' ').Append(fieldName).AppendLine(";");
        }
    }

    /// <summary>
    /// A bitfield as a property over the smallest aligned-or-not storage unit (1, 2, 4 or 8 bytes) holding its bits
    /// within the struct; several bitfields share one unit.
    /// </summary>
    private void WriteBitfield(string cName, int typeId, BtfType resolved, uint bitOffset, uint bitSize, CompositeMembers into)
    {
        var firstByte = bitOffset / 8;
        var needed = (bitOffset % 8 + bitSize + 7) / 8;
        var unit = needed <= 1 ? 1u : needed <= 2 ? 2u : needed <= 4 ? 4u : needed <= 8 ? 8u
            : throw Unsupported(resolved.Id, $"bitfield '{cName}' spans more than 8 bytes");
        var start = Math.Min(firstByte, into.Size >= unit ? into.Size - unit : firstByte);
        if (start + unit > into.Size)
            throw Unsupported(resolved.Id, $"bitfield '{cName}' needs a {unit}-byte unit in a struct of {into.Size} bytes");
        var shift = bitOffset - start * 8;
        var storageType = unit switch { 1 => "byte", 2 => "ushort", 4 => "uint", _ => "ulong" };
        if (!into.Storage.TryGetValue((start, unit), out var storage))
        {
            storage = CSharpNames.Unique($"_bits{start}x{unit}", into.Taken);
            into.Storage[(start, unit)] = storage;
            into.Text.Append(into.Indent).Append("[global::System.Runtime.InteropServices.FieldOffset(").Append(start).Append(")] private ")
                .Append(storageType).Append(' ').Append(storage).AppendLine(";");
        }
        var propertyType = resolved.Kind == BtfKind.Int ? IntName(resolved) : TypeName(typeId, into.Owner + CSharpNames.Pascal(cName));
        var signed = resolved.Kind == BtfKind.Int ? (resolved.IntEncoding & BtfIntEncoding.Signed) != 0 && propertyType != "byte" : resolved.IsEnum && IsSignedEnum(resolved);
        var mask = bitSize == 64 ? ulong.MaxValue : (1UL << (int)bitSize) - 1;
        var maskLiteral = $"0x{mask:x}UL";
        var shiftedMask = $"0x{mask << (int)shift:x}UL";
        var raw = $"(ulong){storage}";
        var read = signed
            ? $"(long)({raw} << {64 - shift - bitSize}) >> {64 - bitSize}"
            : $"({raw} >> {shift}) & {maskLiteral}";
        var getter = propertyType == "bool" ? $"(({read}) != 0)" : $"({propertyType})({read})";
        var value = propertyType == "bool" ? "(value ? 1UL : 0UL)" : "(ulong)value";
        var propertyName = CSharpNames.UniqueMember(cName, into.Owner, into.Taken);
        into.Text.Append(into.Indent).Append("/// <summary>C bitfield <c>").Append(cName).Append(" : ").Append(bitSize).Append("</c> at bit ").Append(bitOffset).AppendLine(".</summary>");
        into.Text.Append(into.Indent).Append("public ").Append(propertyType).Append(' ').AppendLine(propertyName);
        into.Text.Append(into.Indent).AppendLine("{");
        into.Text.Append(into.Indent).Append("    readonly get => unchecked(").Append(getter).AppendLine(");");
        into.Text.Append(into.Indent).Append("    set => ").Append(storage).Append(" = unchecked((").Append(storageType).Append(")((").Append(raw).Append(" & ~").Append(shiftedMask)
            .Append(") | ((").Append(value).Append(" & ").Append(maskLiteral).Append(") << ").Append(shift).AppendLine(")));");
        into.Text.Append(into.Indent).AppendLine("}");
    }

    private static string CName(BtfType type) => type.Name.Length > 0 ? type.Name : "(anonymous)";

    private SkeletonException Unsupported(int id, string problem) =>
        new($"object '{objectName}': BTF type [{id}] '{btf.GetType(id).Name}': {problem}");
}
