using System.Buffers;
using RawBpf.Uapi;

namespace RawBpf.BtfCore;

/// <summary>
/// Writes BTF as text, one line per type plus one per member, enumerator, parameter or variable, in the raw
/// format of <c>bpftool btf dump file PATH</c> (e.g. <c>[1] INT 'int' size=4 bits_offset=0 nr_bits=32
/// encoding=SIGNED</c>). Split BTF dumps only its own types, as bpftool does. Names are copied as the bytes the
/// string section holds, so the output matches byte for byte whatever the encoding.
/// </summary>
public static class BtfDumper
{
    /// <summary>Writes every type of <paramref name="btf"/> (not its base's) to <paramref name="output"/>.</summary>
    public static void Write(Btf btf, Stream output) => ChunkWriter.Run(btf, output, WriteTypes);

    /// <summary>Writes every type of <paramref name="btf"/> (not its base's) as UTF-8 to <paramref name="output"/>.</summary>
    public static void Write(Btf btf, IBufferWriter<byte> output) => ChunkWriter.Run(btf, output, WriteTypes);

    /// <summary>The whole dump as one string (for small BTF; stream vmlinux's with <see cref="Write(Btf, Stream)"/>).</summary>
    public static string ToText(Btf btf) => ChunkWriter.ToText(btf, WriteTypes);

    private static void WriteTypes(Btf btf, ChunkWriter writer)
    {
        for (var id = btf.FirstTypeId; id <= btf.LastTypeId; id++)
            WriteType(btf, btf.GetType(id), writer);
    }

    private static void WriteType(Btf btf, BtfType type, ChunkWriter w)
    {
        var kind = type.Kind;
        w.Write("["u8);
        w.Write((uint)type.Id);
        w.Write("] "u8);
        w.Write(KindName(kind));
        w.Write(" '"u8);
        w.WriteName(btf, type.NameOffset);
        w.Write("'"u8);
        switch (kind)
        {
            case BtfKind.Int:
                w.Write(" size="u8);
                w.Write(type.Size);
                w.Write(" bits_offset="u8);
                w.Write((uint)type.IntBitOffset);
                w.Write(" nr_bits="u8);
                w.Write((uint)type.IntBits);
                w.Write(" encoding="u8);
                w.Write(IntEncodingName(type.IntEncoding));
                break;
            case BtfKind.Ptr or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.Typedef or BtfKind.TypeTag:
                w.Write(" type_id="u8);
                w.Write(type.Size);
                break;
            case BtfKind.Array:
                w.Write(" type_id="u8);
                w.Write((uint)type.ArrayElementTypeId);
                w.Write(" index_type_id="u8);
                w.Write((uint)type.ArrayIndexTypeId);
                w.Write(" nr_elems="u8);
                w.Write(type.ArrayLength);
                break;
            case BtfKind.Struct or BtfKind.Union:
                w.Write(" size="u8);
                w.Write(type.Size);
                w.Write(" vlen="u8);
                w.Write((uint)type.Vlen);
                foreach (var member in type.Members)
                {
                    w.Write("\n\t'"u8);
                    w.WriteName(btf, member.NameOffset);
                    w.Write("' type_id="u8);
                    w.Write((uint)member.TypeId);
                    w.Write(" bits_offset="u8);
                    w.Write(member.BitOffset);
                    if (member.BitfieldSize != 0)
                    {
                        w.Write(" bitfield_size="u8);
                        w.Write(member.BitfieldSize);
                    }
                }
                break;
            case BtfKind.Enum or BtfKind.Enum64:
                WriteEnum(btf, type, w);
                break;
            case BtfKind.Fwd:
                w.Write(type.IsUnionForward ? " fwd_kind=union"u8 : " fwd_kind=struct"u8);
                break;
            case BtfKind.Func:
                w.Write(" type_id="u8);
                w.Write(type.Size);
                w.Write(" linkage="u8);
                w.Write(FuncLinkageName((uint)type.Vlen));
                break;
            case BtfKind.FuncProto:
                w.Write(" ret_type_id="u8);
                w.Write(type.Size);
                w.Write(" vlen="u8);
                w.Write((uint)type.Vlen);
                foreach (var param in type.Params)
                {
                    w.Write("\n\t'"u8);
                    w.WriteName(btf, param.NameOffset);
                    w.Write("' type_id="u8);
                    w.Write((uint)param.TypeId);
                }
                break;
            case BtfKind.Var:
                w.Write(" type_id="u8);
                w.Write(type.Size);
                w.Write(", linkage="u8);
                w.Write(VarLinkageName((uint)type.Linkage));
                break;
            case BtfKind.Datasec:
                w.Write(" size="u8);
                w.Write(type.Size);
                w.Write(" vlen="u8);
                w.Write((uint)type.Vlen);
                foreach (var variable in type.Variables)
                {
                    w.Write("\n\ttype_id="u8);
                    w.Write((uint)variable.TypeId);
                    w.Write(" offset="u8);
                    w.Write(variable.Offset);
                    w.Write(" size="u8);
                    w.Write(variable.Size);
                    // bpftool names the variable when the id is in range and stays silent otherwise.
                    if ((uint)variable.TypeId <= (uint)btf.LastTypeId)
                    {
                        var target = btf.GetType(variable.TypeId);
                        w.Write(" ("u8);
                        w.Write(KindName(target.Kind));
                        w.Write(" '"u8);
                        w.WriteName(target.Btf, target.NameOffset);
                        w.Write("')"u8);
                    }
                }
                break;
            case BtfKind.Float:
                w.Write(" size="u8);
                w.Write(type.Size);
                break;
            case BtfKind.DeclTag:
                w.Write(" type_id="u8);
                w.Write(type.Size);
                w.Write(" component_idx="u8);
                w.Write(type.DeclTagComponentIndex);
                break;
        }
        w.Write("\n"u8);
    }

    private static void WriteEnum(Btf btf, BtfType type, ChunkWriter w)
    {
        var signed = type.KindFlag;
        w.Write(signed ? " encoding=SIGNED size="u8 : " encoding=UNSIGNED size="u8);
        w.Write(type.Size);
        w.Write(" vlen="u8);
        w.Write((uint)type.Vlen);
        var is64 = type.Kind == BtfKind.Enum64;
        foreach (var value in type.EnumValues)
        {
            w.Write("\n\t'"u8);
            w.WriteName(btf, value.NameOffset);
            w.Write("' val="u8);
            // 32-bit values print as %d or %u, 64-bit ones as %lldLL or %lluULL.
            if (is64)
            {
                if (signed)
                    w.Write(value.SignedValue);
                else
                    w.Write(value.UnsignedValue);
                w.Write(signed ? "LL"u8 : "ULL"u8);
            }
            else if (signed)
            {
                w.Write((long)(int)value.UnsignedValue);
            }
            else
            {
                w.Write((uint)value.UnsignedValue);
            }
        }
    }

    private static ReadOnlySpan<byte> KindName(BtfKind kind) => kind switch
    {
        BtfKind.Int => "INT"u8,
        BtfKind.Ptr => "PTR"u8,
        BtfKind.Array => "ARRAY"u8,
        BtfKind.Struct => "STRUCT"u8,
        BtfKind.Union => "UNION"u8,
        BtfKind.Enum => "ENUM"u8,
        BtfKind.Fwd => "FWD"u8,
        BtfKind.Typedef => "TYPEDEF"u8,
        BtfKind.Volatile => "VOLATILE"u8,
        BtfKind.Const => "CONST"u8,
        BtfKind.Restrict => "RESTRICT"u8,
        BtfKind.Func => "FUNC"u8,
        BtfKind.FuncProto => "FUNC_PROTO"u8,
        BtfKind.Var => "VAR"u8,
        BtfKind.Datasec => "DATASEC"u8,
        BtfKind.Float => "FLOAT"u8,
        BtfKind.DeclTag => "DECL_TAG"u8,
        BtfKind.TypeTag => "TYPE_TAG"u8,
        BtfKind.Enum64 => "ENUM64"u8,
        _ => "UNKNOWN"u8,
    };

    // BTF_INT_ENCODING holds one flag at most in valid BTF; any other value prints as bpftool's "UNKN".
    private static ReadOnlySpan<byte> IntEncodingName(BtfIntEncoding encoding) => encoding switch
    {
        BtfIntEncoding.None => "(none)"u8,
        BtfIntEncoding.Signed => "SIGNED"u8,
        BtfIntEncoding.Char => "CHAR"u8,
        BtfIntEncoding.Bool => "BOOL"u8,
        _ => "UNKN"u8,
    };

    private static ReadOnlySpan<byte> FuncLinkageName(uint linkage) => linkage switch
    {
        0 => "static"u8,
        1 => "global"u8,
        2 => "extern"u8,
        _ => "(unknown)"u8,
    };

    private static ReadOnlySpan<byte> VarLinkageName(uint linkage) => linkage switch
    {
        0 => "static"u8,
        1 => "global"u8,
        2 => "extern"u8,
        _ => "(unknown)"u8,
    };
}
