using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.BtfCore;

/// <summary>
/// Writes BTF as a compilable C header, byte for byte what <c>bpftool btf dump file PATH format c</c> prints
/// (bpftool 7.1 over libbpf's <c>btf_dump.c</c>, Debian's 6.1.192 build): the <c>__VMLINUX_H__</c> guard and
/// <c>preserve_access_index</c> pragma around every type in libbpf's topological emit order, with forward
/// declarations where a pointer allows them, inline anonymous types, bitfields and explicit padding, packed
/// structs, enums and ENUM64, function pointers, type tags, and <c>___N</c> suffixes for duplicate names.
/// Split BTF is dumped with its base's types, as bpftool does.
/// </summary>
public static class BtfCDumper
{
    /// <summary>Writes the header for every type of <paramref name="btf"/> (and its base's) to <paramref name="output"/>.</summary>
    public static void Write(Btf btf, Stream output) => ChunkWriter.Run(btf, output, WriteHeader);

    /// <summary>Writes the header for every type of <paramref name="btf"/> (and its base's) to <paramref name="output"/>.</summary>
    public static void Write(Btf btf, IBufferWriter<byte> output) => ChunkWriter.Run(btf, output, WriteHeader);

    /// <summary>The whole header as one string (for small BTF; stream vmlinux's with <see cref="Write(Btf, Stream)"/>).</summary>
    public static string ToText(Btf btf) => ChunkWriter.ToText(btf, WriteHeader);

    private static void WriteHeader(Btf btf, ChunkWriter output)
    {
        // libbpf prints an anonymous type in full at each use, so BTF that nests anonymous types that each use the
        // next twice doubles the header per level: 900 bytes of BTF made 420 MB in 15 s. vmlinux's header is about
        // twice its BTF; past 64 times (and 16 MiB) the dump stops with an error instead.
        long inputLength = 0;
        for (var part = btf; part is not null; part = part.Base)
            inputLength += part.RawData.Length;
        output.Limit = MinOutputLimit + OutputPerInputByte * inputLength;
        output.LimitExceeded = limit => new BtfFormatException(btf.SectionName, -1,
            $"its C header grows past {limit} bytes for {inputLength} bytes of BTF: anonymous types nested this deep are printed in full at every use, and bpftool would not finish either");
        output.Write("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"u8);
        output.Write("#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n"u8);
        var emitter = new CTypeEmitter(btf, output);
        for (var id = 1; id <= btf.LastTypeId; id++)
            emitter.DumpType(id);
        output.Write("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n"u8);
    }

    private const long MinOutputLimit = 16 << 20;
    private const long OutputPerInputByte = 64;
    // vmlinux's header visits about 2.4 types per type (303,570 for 126,411); the limit is 64 per type, 4 Mi at least.
    private const long MinTypeVisits = 4 << 20;
    private const long TypeVisitsPerType = 64;

    /// <summary>
    /// libbpf's <c>struct btf_dump</c>: per-type ordering and emitting state kept across every top-level type, so
    /// a type is defined once, before the first type that embeds it.
    /// </summary>
    private sealed class CTypeEmitter
    {
        private const byte NotOrdered = 0, Ordering = 1, Ordered = 2;
        private const byte NotEmitted = 0, Emitting = 1, Emitted = 2;
        private const byte FwdEmitted = 1, NameResolved = 2, Referenced = 4;
        private const int Einval = 22, E2big = 7;

        // Recursion follows type references; valid BTF nests far less deeply, so more means a reference cycle
        // that libbpf would follow until its stack ran out.
        private const int MaxNesting = 512;

        // libbpf's snprintf into a 256-byte buffer for a de-duplicated name.
        private const int MaxUniqueNameLength = 255;

        private static readonly string[] LongAliases =
        [
            "long", "long int", "int long", "unsigned long", "long unsigned", "unsigned long int", "unsigned int long",
            "long unsigned int", "long int unsigned", "int unsigned long", "int long unsigned",
        ];

        // GCC's Arm SIMD typedefs name these internal types; libbpf aliases them to standard ones.
        private static readonly (string Name, string Alias)[] MissingBaseTypes =
        [
            ("__Poly8_t", "unsigned char"), ("__Poly16_t", "unsigned short"),
            ("__Poly64_t", "unsigned long long"), ("__Poly128_t", "unsigned __int128"),
        ];

        private readonly Btf _btf;
        private readonly ChunkWriter _out;
        private readonly byte[] _order;
        private readonly byte[] _emit;
        private readonly byte[] _flags;
        private readonly int[] _alignment;
        private readonly int _pointerSize;
        private readonly Dictionary<int, byte[]> _uniqueNames = [];
        // Struct, union and enum tags; typedef names and enumerators share the other (C's ordinary identifiers).
        private readonly Dictionary<string, int> _typeNames = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _identNames = new(StringComparer.Ordinal);
        private readonly List<int> _emitQueue = [];
        private int[] _declStack = new int[64];
        private int _declCount;
        private int _nesting;
        private long _work;
        private readonly long _workLimit;

        public CTypeEmitter(Btf btf, ChunkWriter output)
        {
            _btf = btf;
            _out = output;
            var count = btf.LastTypeId + 1;
            _order = new byte[count];
            _emit = new byte[count];
            _flags = new byte[count];
            _alignment = new int[count];
            Array.Fill(_alignment, int.MinValue);
            _order[0] = Ordered;
            _emit[0] = Emitted;
            _pointerSize = PointerSize(btf);
            _workLimit = MinTypeVisits + (TypeVisitsPerType * count);
            MarkReferenced();
        }


        /// <summary><c>btf_dump__dump_type</c>: orders the type's dependencies, then emits what the order queued.</summary>
        public void DumpType(int id)
        {
            _emitQueue.Clear();
            OrderType(id, throughPointer: false);
            foreach (var queued in _emitQueue)
                EmitType(queued, 0);
        }

        /// <summary>
        /// libbpf guesses the pointer size from a 'long' INT (types of base and split BTF alike), else assumes the
        /// host's, 8 here.
        /// </summary>
        private static int PointerSize(Btf btf)
        {
            for (var id = 1; id <= btf.LastTypeId; id++)
            {
                var type = btf.GetType(id);
                if (type.Kind != BtfKind.Int || (type.Size != 4 && type.Size != 8) || !type.Btf.HasStringAt(type.NameOffset))
                    continue;
                var name = type.NameBytes;
                foreach (var alias in LongAliases)
                {
                    if (name.Length == alias.Length && Encoding.ASCII.GetString(name) == alias)
                        return (int)type.Size;
                }
            }
            return 8;
        }

        /// <summary>Marks every type another type refers to: an anonymous enum nobody refers to is a top-level one.</summary>
        private void MarkReferenced()
        {
            for (var id = 1; id <= _btf.LastTypeId; id++)
            {
                var type = _btf.GetType(id);
                switch (type.Kind)
                {
                    case BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.Ptr or BtfKind.Typedef
                        or BtfKind.Func or BtfKind.Var or BtfKind.DeclTag or BtfKind.TypeTag:
                        MarkReferenced(type.TypeId);
                        break;
                    case BtfKind.Array:
                        MarkReferenced(type.ArrayIndexTypeId);
                        MarkReferenced(type.ArrayElementTypeId);
                        break;
                    case BtfKind.Struct or BtfKind.Union:
                        foreach (var member in type.Members)
                            MarkReferenced(member.TypeId);
                        break;
                    case BtfKind.FuncProto:
                        foreach (var param in type.Params)
                            MarkReferenced(param.TypeId);
                        break;
                    case BtfKind.Datasec:
                        foreach (var variable in type.Variables)
                            MarkReferenced(variable.TypeId);
                        break;
                }
            }
        }

        // An id out of range fails where it is followed (GetType), not here.
        private void MarkReferenced(int id)
        {
            if ((uint)id < (uint)_flags.Length)
                _flags[id] |= Referenced;
        }

        private BtfType Type(int id) => _btf.GetType(id);

        private void Enter(int id)
        {
            if (++_work > _workLimit)
                throw new BtfFormatException(_btf.SectionName, -1,
                    $"printing its C header takes more than {_workLimit} type visits for {_btf.LastTypeId} types: anonymous types nested this deep are walked and printed in full at every use, and bpftool would not finish either");
            if (++_nesting > MaxNesting)
                throw new BtfFormatException(_btf.SectionName, -1, $"type [{id}] is nested more than {MaxNesting} deep: a reference cycle");
        }

        /// <summary>
        /// <c>btf_dump_order_type</c>: a depth-first walk that queues named definitions after the types they embed.
        /// Returns 1 when the link to <paramref name="id"/> is strong (it must be defined first), 0 when a forward
        /// declaration satisfies it.
        /// </summary>
        private int OrderType(int id, bool throughPointer)
        {
            var type = Type(id);
            if (_order[id] == Ordered)
                return 1;
            if (_order[id] == Ordering)
            {
                if (type.IsComposite && throughPointer && type.NameOffset != 0)
                    return 0;
                throw new BtfFormatException(_btf.SectionName, -1, $"unsatisfiable type cycle through type [{id}]");
            }
            Enter(id);
            try
            {
                return OrderKind(id, type, throughPointer);
            }
            finally
            {
                _nesting--;
            }
        }

        private int OrderKind(int id, BtfType type, bool throughPointer)
        {
            switch (type.Kind)
            {
                case BtfKind.Int or BtfKind.Float:
                    _order[id] = Ordered;
                    return 0;
                case BtfKind.Ptr:
                    {
                        var strong = OrderType(type.TypeId, throughPointer: true);
                        _order[id] = Ordered;
                        return strong;
                    }
                case BtfKind.Array:
                    return OrderType(type.ArrayElementTypeId, throughPointer: false);
                case BtfKind.Struct or BtfKind.Union:
                    // Part of a strong link only when embedded (no pointer on the way) or anonymous (defined inline).
                    if (throughPointer && type.NameOffset != 0)
                        return 0;
                    _order[id] = Ordering;
                    foreach (var member in type.Members)
                        OrderType(member.TypeId, throughPointer: false);
                    if (type.NameOffset != 0)
                        _emitQueue.Add(id);
                    _order[id] = Ordered;
                    return 1;
                case BtfKind.Enum or BtfKind.Enum64 or BtfKind.Fwd:
                    if (type.NameOffset != 0 || (_flags[id] & Referenced) == 0)
                        _emitQueue.Add(id);
                    _order[id] = Ordered;
                    return 1;
                case BtfKind.Typedef:
                    {
                        var strong = OrderType(type.TypeId, throughPointer);
                        if (throughPointer && strong == 0)
                            return 0;
                        _emitQueue.Add(id);
                        _order[id] = Ordered;
                        return 1;
                    }
                case BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag:
                    return OrderType(type.TypeId, throughPointer);
                case BtfKind.FuncProto:
                    {
                        var strong = OrderType(type.TypeId, throughPointer) > 0;
                        foreach (var param in type.Params)
                            strong |= OrderType(param.TypeId, throughPointer) > 0;
                        return strong ? 1 : 0;
                    }
                default:
                    // FUNC, VAR, DATASEC, DECL_TAG: not part of a C header.
                    _order[id] = Ordered;
                    return 0;
            }
        }

        /// <summary>
        /// <c>btf_dump_emit_type</c>: emits the definition of a queued type (<paramref name="containerId"/> 0) or
        /// the forward declarations a definition being emitted needs.
        /// </summary>
        private void EmitType(int id, int containerId)
        {
            var type = Type(id);
            if (_emit[id] == Emitted)
                return;
            var kind = type.Kind;
            if (_emit[id] == Emitting)
            {
                EmitForwardWhileEmitting(id, type, containerId);
                return;
            }
            Enter(id);
            try
            {
                EmitKind(id, type, containerId);
            }
            finally
            {
                _nesting--;
            }
        }

        /// <summary>A type met again while its own definition is being emitted: a forward declaration breaks the loop.</summary>
        private void EmitForwardWhileEmitting(int id, BtfType type, int containerId)
        {
            if ((_flags[id] & FwdEmitted) != 0)
                return;
            switch (type.Kind)
            {
                case BtfKind.Struct or BtfKind.Union:
                    // A struct referring to itself needs no forward declaration; an anonymous one cannot have one.
                    if (id == containerId || type.NameOffset == 0)
                        return;
                    EmitStructForward(id, type);
                    _out.Write(";\n\n"u8);
                    _flags[id] |= FwdEmitted;
                    break;
                case BtfKind.Typedef:
                    // For a typedef, "forward emitted" means defined, usable through pointers only.
                    if (!IsBuiltin(type))
                    {
                        EmitTypedefDefinition(id, type, 0);
                        _out.Write(";\n\n"u8);
                    }
                    _flags[id] |= FwdEmitted;
                    break;
            }
        }

        private void EmitKind(int id, BtfType type, int containerId)
        {
            var topLevel = containerId == 0;
            switch (type.Kind)
            {
                case BtfKind.Int:
                    EmitMissingAlias(id);
                    _emit[id] = Emitted;
                    break;
                case BtfKind.Enum or BtfKind.Enum64:
                    if (topLevel)
                    {
                        EmitEnumDefinition(id, type, 0);
                        _out.Write(";\n\n"u8);
                    }
                    _emit[id] = Emitted;
                    break;
                case BtfKind.Ptr or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag:
                    EmitType(type.TypeId, containerId);
                    break;
                case BtfKind.Array:
                    EmitType(type.ArrayElementTypeId, containerId);
                    break;
                case BtfKind.Fwd:
                    EmitForwardDefinition(id, type);
                    _out.Write(";\n\n"u8);
                    _emit[id] = Emitted;
                    break;
                case BtfKind.Typedef:
                    _emit[id] = Emitting;
                    EmitType(type.TypeId, id);
                    // Someone may have needed the typedef through a pointer meanwhile and emitted it already.
                    if ((_flags[id] & FwdEmitted) == 0 && !IsBuiltin(type))
                    {
                        EmitTypedefDefinition(id, type, 0);
                        _out.Write(";\n\n"u8);
                    }
                    _emit[id] = Emitted;
                    break;
                case BtfKind.Struct or BtfKind.Union:
                    _emit[id] = Emitting;
                    // A definition (top-level, or inline when anonymous) needs what its members refer to declared.
                    if (topLevel || type.NameOffset == 0)
                    {
                        var memberContainer = type.NameOffset == 0 ? containerId : id;
                        foreach (var member in type.Members)
                            EmitType(member.TypeId, memberContainer);
                    }
                    else if ((_flags[id] & FwdEmitted) == 0 && id != containerId)
                    {
                        EmitStructForward(id, type);
                        _out.Write(";\n\n"u8);
                        _flags[id] |= FwdEmitted;
                    }
                    if (topLevel)
                    {
                        EmitStructDefinition(id, type, 0);
                        _out.Write(";\n\n"u8);
                        _emit[id] = Emitted;
                    }
                    else
                    {
                        _emit[id] = NotEmitted;
                    }
                    break;
                case BtfKind.FuncProto:
                    EmitType(type.TypeId, containerId);
                    foreach (var param in type.Params)
                        EmitType(param.TypeId, containerId);
                    break;
            }
        }

        /// <summary><c>__builtin_va_list</c> is the compiler's own: a typedef of it would not compile with another compiler.</summary>
        private static bool IsBuiltin(BtfType type) => type.NameOffset != 0 && type.NameBytes.SequenceEqual("__builtin_va_list"u8);

        private void EmitMissingAlias(int id)
        {
            var name = TypeName(id);
            foreach (var (missing, alias) in MissingBaseTypes)
            {
                if (!name.SequenceEqual(Encoding.ASCII.GetBytes(missing)))
                    continue;
                _out.Write("typedef "u8);
                _out.Write(Encoding.ASCII.GetBytes(alias));
                _out.Write(" "u8);
                _out.Write(name);
                _out.Write(";\n\n"u8);
                break;
            }
        }

        // ---- alignment, size, packing (btf__align_of, btf__resolve_size, btf_is_struct_packed)

        /// <summary><c>btf__align_of</c>, memoized: 0 where libbpf fails (it sets errno and returns 0).</summary>
        private int AlignOf(int id)
        {
            var type = Type(id);
            var cached = _alignment[id];
            if (cached != int.MinValue)
                return cached;
            Enter(id);
            try
            {
                return _alignment[id] = ComputeAlignment(type);
            }
            finally
            {
                _nesting--;
            }
        }

        private int ComputeAlignment(BtfType type)
        {
            switch (type.Kind)
            {
                case BtfKind.Int or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Float:
                    return (int)Math.Min((uint)_pointerSize, type.Size);
                case BtfKind.Ptr:
                    return _pointerSize;
                case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag:
                    return AlignOf(type.TypeId);
                case BtfKind.Array:
                    return AlignOf(type.ArrayElementTypeId);
                case BtfKind.Struct or BtfKind.Union:
                    {
                        var maxAlign = 1;
                        foreach (var member in type.Members)
                        {
                            var align = AlignOf(member.TypeId);
                            if (align <= 0)
                                return align;
                            maxAlign = Math.Max(maxAlign, align);
                            // A member off its natural alignment means the struct is packed.
                            if (member.BitfieldSize == 0 && member.RawOffset % (uint)(8 * align) != 0)
                                return 1;
                        }
                        return type.Size % (uint)maxAlign != 0 ? 1 : maxAlign;
                    }
                default:
                    // libbpf warns "unsupported BTF_KIND" and returns 0 (errno EINVAL): a FWD member aligns to nothing.
                    return 0;
            }
        }

        /// <summary><c>btf__resolve_size</c>: bytes, or a negative errno (a forward declaration or void has no size).</summary>
        private long ResolveSize(int id)
        {
            uint elements = 1;
            long size = -1;
            var type = Type(id);
            for (var depth = 0; depth < BtfResolve.MaxDepth && !type.IsVoid && type.Kind != BtfKind.Fwd; depth++)
            {
                switch (type.Kind)
                {
                    case BtfKind.Int or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64
                        or BtfKind.Datasec or BtfKind.Float:
                        size = type.Size;
                        return Total(elements, size);
                    case BtfKind.Ptr:
                        return Total(elements, _pointerSize);
                    case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.Var
                        or BtfKind.DeclTag or BtfKind.TypeTag:
                        type = Type(type.TypeId);
                        break;
                    case BtfKind.Array:
                        if (elements != 0 && type.ArrayLength > uint.MaxValue / elements)
                            return -E2big;
                        elements *= type.ArrayLength;
                        type = Type(type.ArrayElementTypeId);
                        break;
                    default:
                        return -Einval;
                }
            }
            return Total(elements, size);

            static long Total(uint elements, long size) =>
                size < 0 ? -Einval : elements != 0 && size > uint.MaxValue / elements ? -E2big : elements * size;
        }

        /// <summary>A struct is packed when a non-bitfield member sits off its alignment or the size is no multiple of it.</summary>
        private bool IsStructPacked(BtfType type)
        {
            var maxAlign = 1;
            foreach (var member in type.Members)
            {
                var align = AlignOf(member.TypeId);
                if (align != 0 && member.BitfieldSize == 0 && member.RawOffset % unchecked((uint)(8 * align)) != 0)
                    return true;
                maxAlign = Math.Max(align, maxAlign);
            }
            return type.Size % (uint)maxAlign != 0;
        }

        // ---- definitions

        private void EmitStructForward(int id, BtfType type)
        {
            _out.Write(type.Kind == BtfKind.Struct ? "struct"u8 : "union"u8);
            if (type.NameOffset != 0)
                _out.Write(" "u8);
            _out.Write(TypeName(id));
        }

        private void EmitStructDefinition(int id, BtfType type, int level)
        {
            var isStruct = type.Kind == BtfKind.Struct;
            var align = AlignOf(id);
            var packed = isStruct && IsStructPacked(type);
            EmitStructForward(id, type);
            _out.Write(" {"u8);
            var offset = 0;
            var previousBitfield = false;
            foreach (var member in type.Members)
            {
                var bitfieldSize = (int)member.BitfieldSize;
                var memberOffset = unchecked((int)member.BitOffset);
                var memberAlign = packed ? 1 : AlignOf(member.TypeId);
                var inBitfield = previousBitfield && bitfieldSize != 0;
                EmitBitPadding(offset, memberOffset, memberAlign, inBitfield, level + 1);
                NewLine(level + 1);
                EmitTypeDeclaration(member.TypeId, NameOf(member.NameOffset), level + 1);
                if (bitfieldSize != 0)
                {
                    _out.Write(": "u8);
                    _out.Write(bitfieldSize);
                    offset = unchecked(memberOffset + bitfieldSize);
                    previousBitfield = true;
                }
                else
                {
                    var size = unchecked((int)Math.Max(0, ResolveSize(member.TypeId)));
                    offset = unchecked(memberOffset + (size * 8));
                    previousBitfield = false;
                }
                _out.Write(";"u8);
            }
            if (isStruct)
                EmitBitPadding(offset, unchecked((int)(type.Size * 8)), align, false, level + 1);
            // An empty struct stays on one line.
            if (type.Vlen != 0 || type.Size != 0)
                NewLine(level);
            _out.Write("}"u8);
            if (packed)
                _out.Write(" __attribute__((packed))"u8);
        }

        /// <summary>
        /// <c>btf_dump_emit_bit_padding</c>: fills a gap with the widest of long, int, short and char that reaches
        /// an aligned boundary, adding a <c>type: 0</c> mark where the compiler would not align by itself.
        /// </summary>
        private void EmitBitPadding(int currentOffset, int nextOffset, int nextAlign, bool inBitfield, int level)
        {
            if (currentOffset >= nextOffset)
                return;
            ReadOnlySpan<int> padBitsByIndex = [_pointerSize * 8, 32, 16, 8];
            var padIndex = 0;
            long newOffset = 0;
            for (; padIndex < padBitsByIndex.Length; padIndex++)
            {
                newOffset = RoundUp(currentOffset, padBitsByIndex[padIndex]);
                if (newOffset <= nextOffset)
                    break;
            }
            padIndex = Math.Min(padIndex, padBitsByIndex.Length - 1);
            var padBits = padBitsByIndex[padIndex];
            long current = currentOffset;
            if (newOffset > current && newOffset <= nextOffset)
            {
                if (inBitfield
                    || (newOffset == nextOffset && RoundUp(currentOffset, nextAlign * 8) != newOffset)
                    || (newOffset != nextOffset && nextOffset - newOffset <= newOffset - current))
                    EmitPadding(padIndex, inBitfield ? newOffset - current : 0, level);
                current = newOffset;
            }
            while (current != nextOffset)
            {
                // libbpf writes one line per pad however wide the gap; a hostile 2 KiB BTF whose member sits at
                // offset 2^31 would make 700 MB of "long: 64;". Past a page of them the bulk is one named array.
                var wholePads = (nextOffset - current) / padBits;
                if (wholePads > MaxPaddingLines && current % 8 == 0)
                {
                    EmitPaddingArray(current / 8, wholePads * padBits / 8, level);
                    current += wholePads * padBits;
                    continue;
                }
                var bits = Math.Min(nextOffset - current, padBits);
                if (bits == padBits)
                {
                    EmitPadding(padIndex, padBits, level);
                    current += bits;
                    continue;
                }
                // The remainder gets the smallest type that holds it.
                for (padIndex = padBitsByIndex.Length - 1; padIndex >= 0; padIndex--)
                {
                    padBits = padBitsByIndex[padIndex];
                    if (padBits < bits)
                        continue;
                    EmitPadding(padIndex, bits, level);
                    current += bits;
                    break;
                }
            }
        }

        // The kernel's roundup(); a zero or negative step (bad BTF) leaves the offset where it is.
        private static long RoundUp(long value, int step) => step <= 0 ? value : (value + step - 1) / step * step;

        /// <summary>Above this many padding lines in a row (4 KiB of longs), a gap is written as one array.</summary>
        private const int MaxPaddingLines = 512;

        private void EmitPaddingArray(long byteOffset, long bytes, int level)
        {
            NewLine(level);
            _out.Write("char __padding_at_"u8);
            _out.Write(byteOffset);
            _out.Write("["u8);
            _out.Write(bytes);
            _out.Write("];"u8);
        }

        private void EmitPadding(int padIndex, long bits, int level)
        {
            NewLine(level);
            _out.Write(padIndex switch { 0 => "long"u8, 1 => "int"u8, 2 => "short"u8, _ => "char"u8 });
            _out.Write(": "u8);
            _out.Write(bits);
            _out.Write(";"u8);
        }

        private void EmitEnumDefinition(int id, BtfType type, int level)
        {
            _out.Write("enum"u8);
            if (type.NameOffset != 0)
                _out.Write(" "u8);
            _out.Write(TypeName(id));
            if (type.Vlen == 0)
                return;
            _out.Write(" {"u8);
            var signed = type.KindFlag;
            var is64 = type.Kind == BtfKind.Enum64;
            foreach (var value in type.EnumValues)
            {
                NewLine(level + 1);
                var name = NameOf(value.NameOffset);
                _out.Write(name);
                // Enumerators share C's ordinary identifiers with typedefs.
                var duplicates = CountName(_identNames, name);
                if (duplicates > 1)
                {
                    _out.Write("___"u8);
                    _out.Write(duplicates);
                }
                _out.Write(" = "u8);
                if (is64)
                {
                    if (signed)
                        _out.Write(value.SignedValue);
                    else
                        _out.Write(value.UnsignedValue);
                    _out.Write(signed ? "LL,"u8 : "ULL,"u8);
                }
                else
                {
                    if (signed)
                        _out.Write((int)value.UnsignedValue);
                    else
                        _out.Write((uint)value.UnsignedValue);
                    _out.Write(","u8);
                }
            }
            NewLine(level);
            _out.Write("}"u8);
        }

        private void EmitForwardDefinition(int id, BtfType type)
        {
            _out.Write(type.KindFlag ? "union "u8 : "struct "u8);
            _out.Write(TypeName(id));
        }

        private void EmitTypedefDefinition(int id, BtfType type, int level)
        {
            var name = IdentName(id);
            // Old GCC emits this typedef to void; the compiler's builtin is what it means.
            if (type.TypeId == 0 && name.SequenceEqual("__gnuc_va_list"u8))
            {
                _out.Write("typedef __builtin_va_list __gnuc_va_list"u8);
                return;
            }
            _out.Write("typedef "u8);
            EmitTypeDeclaration(type.TypeId, name, level);
        }

        // ---- declarations (btf_dump_emit_type_decl, btf_dump_emit_type_chain)

        /// <summary>
        /// Declares <paramref name="fieldName"/> of type <paramref name="id"/> in C syntax: the chain of pointers,
        /// modifiers, arrays and prototypes down to a named type is pushed on a shared stack, then written out
        /// from the named type back up.
        /// </summary>
        private void EmitTypeDeclaration(int id, ReadOnlySpan<byte> fieldName, int level)
        {
            var start = _declCount;
            while (true)
            {
                var type = Type(id);
                Push(id);
                if (id == 0)
                    break;
                if (_declCount - start > _btf.LastTypeId + 1)
                    throw new BtfFormatException(_btf.SectionName, -1, $"type [{id}] refers to itself through pointers, modifiers or arrays");
                var kind = type.Kind;
                if (kind is BtfKind.Ptr or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.FuncProto or BtfKind.TypeTag)
                    id = type.TypeId;
                else if (kind == BtfKind.Array)
                    id = type.ArrayElementTypeId;
                else
                    break;
            }
            var frame = new DeclFrame(start, _declCount - start);
            Enter(id);
            try
            {
                EmitTypeChain(ref frame, fieldName, level);
            }
            finally
            {
                _nesting--;
            }
            _declCount = start;
        }

        private void Push(int id)
        {
            if (_declCount == _declStack.Length)
                Array.Resize(ref _declStack, _declStack.Length * 2);
            _declStack[_declCount++] = id;
        }

        /// <summary>One declaration's part of the shared stack; nested declarations pop from the same frame.</summary>
        private struct DeclFrame(int start, int count)
        {
            public readonly int Start = start;
            public int Count = count;
        }

        private int Top(ref DeclFrame frame) => _declStack[frame.Start + frame.Count - 1];

        private void EmitTypeChain(ref DeclFrame frame, ReadOnlySpan<byte> fieldName, int level)
        {
            // `int ***`, not `int * * *`; true at first so a lone pointer of a prototype prints as (*name).
            var lastWasPointer = true;
            while (frame.Count > 0)
            {
                var id = _declStack[frame.Start + --frame.Count];
                if (id == 0)
                {
                    EmitModifiers(ref frame);
                    _out.Write("void"u8);
                    lastWasPointer = false;
                    continue;
                }
                var type = Type(id);
                var kind = type.Kind;
                switch (kind)
                {
                    case BtfKind.Int or BtfKind.Float:
                        EmitModifiers(ref frame);
                        _out.Write(NameOf(type.NameOffset));
                        break;
                    case BtfKind.Struct or BtfKind.Union:
                        EmitModifiers(ref frame);
                        if (type.NameOffset == 0)
                            EmitStructDefinition(id, type, level);
                        else
                            EmitStructForward(id, type);
                        break;
                    case BtfKind.Enum or BtfKind.Enum64:
                        EmitModifiers(ref frame);
                        if (type.NameOffset == 0)
                        {
                            EmitEnumDefinition(id, type, level);
                        }
                        else
                        {
                            _out.Write("enum "u8);
                            _out.Write(TypeName(id));
                        }
                        break;
                    case BtfKind.Fwd:
                        EmitModifiers(ref frame);
                        EmitForwardDefinition(id, type);
                        break;
                    case BtfKind.Typedef:
                        EmitModifiers(ref frame);
                        _out.Write(IdentName(id));
                        break;
                    case BtfKind.Ptr:
                        _out.Write(lastWasPointer ? "*"u8 : " *"u8);
                        break;
                    case BtfKind.Volatile:
                        _out.Write(" volatile"u8);
                        break;
                    case BtfKind.Const:
                        _out.Write(" const"u8);
                        break;
                    case BtfKind.Restrict:
                        _out.Write(" restrict"u8);
                        break;
                    case BtfKind.TypeTag:
                        EmitModifiers(ref frame);
                        _out.Write(" __attribute__((btf_type_tag(\""u8);
                        _out.Write(NameOf(type.NameOffset));
                        _out.Write("\")))"u8);
                        break;
                    case BtfKind.Array:
                        EmitArray(ref frame, type, fieldName, lastWasPointer, level);
                        return;
                    case BtfKind.FuncProto:
                        EmitPrototype(ref frame, type, fieldName, lastWasPointer, level);
                        return;
                    default:
                        // FUNC, VAR, DATASEC, DECL_TAG in a declaration: libbpf warns and stops.
                        return;
                }
                lastWasPointer = kind == BtfKind.Ptr;
            }
            EmitName(fieldName, lastWasPointer);
        }

        private void EmitArray(ref DeclFrame frame, BtfType type, ReadOnlySpan<byte> fieldName, bool lastWasPointer, int level)
        {
            // GCC adds the element's const/volatile to the array itself; they mean nothing there.
            DropModifiers(ref frame);
            if (frame.Count == 0)
            {
                EmitName(fieldName, lastWasPointer);
                EmitArrayLength(type);
                return;
            }
            // A multi-dimensional array needs no parentheses.
            var multiDimensional = Type(Top(ref frame)).Kind == BtfKind.Array;
            if (fieldName.Length > 0 && !lastWasPointer)
                _out.Write(" "u8);
            if (!multiDimensional)
                _out.Write("("u8);
            EmitTypeChain(ref frame, fieldName, level);
            if (!multiDimensional)
                _out.Write(")"u8);
            EmitArrayLength(type);
        }

        private void EmitArrayLength(BtfType type)
        {
            _out.Write("["u8);
            _out.Write(type.ArrayLength);
            _out.Write("]"u8);
        }

        private void EmitPrototype(ref DeclFrame frame, BtfType type, ReadOnlySpan<byte> fieldName, bool lastWasPointer, int level)
        {
            // GCC marks noreturn function pointers volatile; dropped like an array's modifiers.
            DropModifiers(ref frame);
            if (frame.Count > 0)
            {
                _out.Write(" ("u8);
                EmitTypeChain(ref frame, fieldName, level);
                _out.Write(")"u8);
            }
            else
            {
                EmitName(fieldName, lastWasPointer);
            }
            _out.Write("("u8);
            var parameters = type.Params;
            // No parameters, or clang's single void one, is (void).
            if (parameters.Count == 0 || (parameters.Count == 1 && parameters[0].TypeId == 0))
            {
                _out.Write("void)"u8);
                return;
            }
            for (var i = 0; i < parameters.Count; i++)
            {
                var parameter = parameters[i];
                if (i > 0)
                    _out.Write(", "u8);
                // A last parameter of type void stands for varargs.
                if (i == parameters.Count - 1 && parameter.TypeId == 0)
                {
                    _out.Write("..."u8);
                    break;
                }
                EmitTypeDeclaration(parameter.TypeId, NameOf(parameter.NameOffset), level);
            }
            _out.Write(")"u8);
        }

        private void EmitModifiers(ref DeclFrame frame)
        {
            while (frame.Count > 0)
            {
                var kind = Type(Top(ref frame)).Kind;
                if (kind == BtfKind.Volatile)
                    _out.Write("volatile "u8);
                else if (kind == BtfKind.Const)
                    _out.Write("const "u8);
                else if (kind == BtfKind.Restrict)
                    _out.Write("restrict "u8);
                else
                    return;
                frame.Count--;
            }
        }

        private void DropModifiers(ref DeclFrame frame)
        {
            while (frame.Count > 0 && Type(Top(ref frame)).IsModifier)
                frame.Count--;
        }

        private void EmitName(ReadOnlySpan<byte> name, bool lastWasPointer)
        {
            if (name.Length > 0 && !lastWasPointer)
                _out.Write(" "u8);
            _out.Write(name);
        }

        private void NewLine(int level)
        {
            _out.Write("\n"u8);
            // libbpf indents 13 tabs at most.
            _out.Write("\t\t\t\t\t\t\t\t\t\t\t\t\t"u8[..Math.Min(level, 13)]);
        }

        // ---- names (btf_dump_resolve_name, btf_dump_name_dups)

        private ReadOnlySpan<byte> NameOf(uint offset) => _btf.GetStringBytes(offset);

        private ReadOnlySpan<byte> TypeName(int id) => ResolveName(id, _typeNames);

        private ReadOnlySpan<byte> IdentName(int id) => ResolveName(id, _identNames);

        /// <summary>
        /// A type's C name, fixed on first use: the second type to claim a name in its namespace becomes
        /// <c>name___2</c>, and so on. Forward declarations and empty enums keep their name (they define nothing).
        /// </summary>
        private ReadOnlySpan<byte> ResolveName(int id, Dictionary<string, int> names)
        {
            var type = Type(id);
            if (type.NameOffset == 0)
                return default;
            var original = type.NameBytes;
            if ((_flags[id] & NameResolved) != 0)
                return _uniqueNames.TryGetValue(id, out var unique) ? unique : original;
            _flags[id] |= NameResolved;
            if (type.Kind == BtfKind.Fwd || (type.Kind == BtfKind.Enum && type.Vlen == 0))
                return original;
            var duplicates = CountName(names, original);
            if (duplicates <= 1)
                return original;
            var suffixed = Encoding.Latin1.GetBytes($"{Encoding.Latin1.GetString(original)}___{duplicates}");
            var name = suffixed.Length > MaxUniqueNameLength ? suffixed[..MaxUniqueNameLength] : suffixed;
            _uniqueNames[id] = name;
            return name;
        }

        /// <summary>Counts one more use of <paramref name="name"/> and returns how many there have been.</summary>
        private static int CountName(Dictionary<string, int> names, ReadOnlySpan<byte> name)
        {
            // Latin-1 maps bytes to chars one to one, so names that are not UTF-8 still compare byte for byte.
            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(names, Encoding.Latin1.GetString(name), out _);
            return ++count;
        }
    }
}
