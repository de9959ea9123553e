using System.Buffers.Binary;
using System.Text;

namespace RawBpf.BtfCore;

/// <summary>BTF kinds and flavours a kernel may lack, as probed by the loader (all present since 6.0).</summary>
[Flags]
public enum BtfKindSupport
{
    None = 0,
    /// <summary>FUNC and FUNC_PROTO (4.20).</summary>
    Func = 1 << 0,
    /// <summary>FUNC with global linkage (5.6).</summary>
    GlobalFunc = 1 << 1,
    /// <summary>VAR and DATASEC (5.2).</summary>
    DataSec = 1 << 2,
    /// <summary>FLOAT (5.13).</summary>
    Float = 1 << 3,
    /// <summary>DECL_TAG (5.16).</summary>
    DeclTag = 1 << 4,
    /// <summary>TYPE_TAG (5.17).</summary>
    TypeTag = 1 << 5,
    /// <summary>ENUM64 and signed ENUM (6.0).</summary>
    Enum64 = 1 << 6,
    All = Func | GlobalFunc | DataSec | Float | DeclTag | TypeTag | Enum64,
}

/// <summary>
/// Rewrites an object's BTF so an older kernel accepts it, type for type as libbpf's
/// <c>bpf_object__sanitize_btf</c> does: unsupported kinds become look-alikes of the same size (VAR → INT,
/// DATASEC → STRUCT, FUNC → TYPEDEF, FUNC_PROTO → ENUM, FLOAT → empty STRUCT, TYPE_TAG → CONST, ENUM64 →
/// UNION), so type ids and everything that refers to them stay valid.
/// </summary>
public static class BtfSanitizer
{
    private const string Enum64PlaceholderName = "enum64_placeholder";

    /// <summary>True when <paramref name="btf"/> uses something <paramref name="support"/> lacks.</summary>
    public static bool NeedsSanitizing(Btf btf, BtfKindSupport support)
    {
        if ((support & BtfKindSupport.All) == BtfKindSupport.All)
            return false;
        for (var id = btf.FirstTypeId; id <= btf.LastTypeId; id++)
        {
            if (Replacement(btf.GetType(id), support) != Rewrite.None)
                return true;
        }
        return false;
    }

    /// <summary>A sanitized copy of <paramref name="btf"/>'s bytes (not split BTF: objects carry their own).</summary>
    public static byte[] Sanitize(Btf btf, BtfKindSupport support)
    {
        if (btf.Base is not null)
            throw new ArgumentException("split BTF is not sanitized: only an object's own BTF is loaded", nameof(btf));
        var raw = btf.RawData.Span;
        var headerLength = btf.HeaderLength;
        var typesStart = headerLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]);
        var stringsStart = headerLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(raw[16..]);
        var types = raw.Slice(typesStart, btf.TypesLength).ToArray();
        var strings = raw.Slice(stringsStart, btf.StringsLength).ToArray();
        var placeholderId = 0;
        var offsetInTypes = 0;
        for (var id = btf.FirstTypeId; id <= btf.LastTypeId; id++)
        {
            var type = btf.GetType(id);
            var length = Btf.TypeHeaderSize + BtfType.ExtraLength(type.Kind, type.Vlen);
            var record = types.AsSpan(offsetInTypes, length);
            switch (Replacement(type, support))
            {
                case Rewrite.ToInt:
                    SetInfo(record, BtfKind.Int, 0);
                    SetSizeOrType(record, 1);
                    BinaryPrimitives.WriteUInt32LittleEndian(record[12..], 8); // BTF_INT_ENC(0, 0, 8)
                    break;
                case Rewrite.DatasecToStruct:
                    RenameDotsToUnderscores(strings, type.NameOffset);
                    SetInfo(record, BtfKind.Struct, type.Vlen);
                    for (var i = 0; i < type.Vlen; i++)
                    {
                        var variable = type.Variables[i];
                        var member = record.Slice(Btf.TypeHeaderSize + i * 12, 12);
                        BinaryPrimitives.WriteUInt32LittleEndian(member, btf.GetType(variable.TypeId).NameOffset);
                        BinaryPrimitives.WriteUInt32LittleEndian(member[4..], (uint)variable.TypeId);
                        BinaryPrimitives.WriteUInt32LittleEndian(member[8..], variable.Offset * 8);
                    }
                    break;
                case Rewrite.FuncProtoToEnum:
                    SetInfo(record, BtfKind.Enum, type.Vlen);
                    SetSizeOrType(record, 4);
                    break;
                case Rewrite.FuncToTypedef:
                    SetInfo(record, BtfKind.Typedef, 0);
                    break;
                case Rewrite.GlobalFuncToStatic:
                    SetInfo(record, BtfKind.Func, (int)BtfLinkage.Static);
                    break;
                case Rewrite.FloatToStruct:
                    BinaryPrimitives.WriteUInt32LittleEndian(record, 0); // "float" is no valid struct name
                    SetInfo(record, BtfKind.Struct, 0);
                    break;
                case Rewrite.TypeTagToConst:
                    BinaryPrimitives.WriteUInt32LittleEndian(record, 0);
                    SetInfo(record, BtfKind.Const, 0);
                    break;
                case Rewrite.ClearEnumSign:
                    SetInfo(record, BtfKind.Enum, type.Vlen);
                    break;
                case Rewrite.Enum64ToUnion:
                    if (placeholderId == 0)
                        placeholderId = btf.LastTypeId + 1;
                    SetInfo(record, BtfKind.Union, type.Vlen);
                    for (var i = 0; i < type.Vlen; i++)
                    {
                        var member = record.Slice(Btf.TypeHeaderSize + i * 12, 12);
                        BinaryPrimitives.WriteUInt32LittleEndian(member[4..], (uint)placeholderId);
                        BinaryPrimitives.WriteUInt32LittleEndian(member[8..], 0);
                    }
                    break;
            }
            offsetInTypes += length;
        }
        if (placeholderId != 0)
            (types, strings) = AppendPlaceholderInt(types, strings);
        return Assemble(raw[..headerLength], types, strings);
    }

    private enum Rewrite
    {
        None,
        ToInt,
        DatasecToStruct,
        FuncProtoToEnum,
        FuncToTypedef,
        GlobalFuncToStatic,
        FloatToStruct,
        TypeTagToConst,
        ClearEnumSign,
        Enum64ToUnion,
    }

    private static Rewrite Replacement(BtfType type, BtfKindSupport support)
    {
        bool Lacks(BtfKindSupport feature) => (support & feature) == 0;
        return type.Kind switch
        {
            BtfKind.Var when Lacks(BtfKindSupport.DataSec) => Rewrite.ToInt,
            BtfKind.DeclTag when Lacks(BtfKindSupport.DeclTag) => Rewrite.ToInt,
            BtfKind.Datasec when Lacks(BtfKindSupport.DataSec) => Rewrite.DatasecToStruct,
            BtfKind.FuncProto when Lacks(BtfKindSupport.Func) => Rewrite.FuncProtoToEnum,
            BtfKind.Func when Lacks(BtfKindSupport.Func) => Rewrite.FuncToTypedef,
            BtfKind.Func when Lacks(BtfKindSupport.GlobalFunc) && type.Linkage == BtfLinkage.Global => Rewrite.GlobalFuncToStatic,
            BtfKind.Float when Lacks(BtfKindSupport.Float) => Rewrite.FloatToStruct,
            BtfKind.TypeTag when Lacks(BtfKindSupport.TypeTag) => Rewrite.TypeTagToConst,
            BtfKind.Enum when Lacks(BtfKindSupport.Enum64) && type.KindFlag => Rewrite.ClearEnumSign,
            BtfKind.Enum64 when Lacks(BtfKindSupport.Enum64) => Rewrite.Enum64ToUnion,
            _ => Rewrite.None,
        };
    }

    /// <summary>btf_type.info = kind and vlen, kind_flag cleared (BTF_INFO_ENC(kind, 0, vlen)).</summary>
    private static void SetInfo(Span<byte> record, BtfKind kind, int vlen) =>
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], ((uint)kind << 24) | (uint)(vlen & 0xffff));

    private static void SetSizeOrType(Span<byte> record, uint value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], value);

    /// <summary>A DATASEC named ".data" becomes STRUCT "_data": a dot is no valid C identifier.</summary>
    private static void RenameDotsToUnderscores(byte[] strings, uint offset)
    {
        // Unsigned: a name offset past int.MaxValue (corrupt BTF) is past the strings, not a negative index.
        for (var i = offset; i < (uint)strings.Length && strings[i] != 0; i++)
        {
            if (strings[i] == (byte)'.')
                strings[i] = (byte)'_';
        }
    }

    /// <summary>Adds INT "enum64_placeholder" (1 byte, unsigned), the member type of ENUM64-turned-UNIONs.</summary>
    private static (byte[] Types, byte[] Strings) AppendPlaceholderInt(byte[] types, byte[] strings)
    {
        var name = Encoding.ASCII.GetBytes(Enum64PlaceholderName + "\0");
        var newStrings = new byte[strings.Length + name.Length];
        strings.CopyTo(newStrings, 0);
        name.CopyTo(newStrings, strings.Length);
        var newTypes = new byte[types.Length + Btf.TypeHeaderSize + 4];
        types.CopyTo(newTypes, 0);
        var record = newTypes.AsSpan(types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)strings.Length);
        SetInfo(record, BtfKind.Int, 0);
        SetSizeOrType(record, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(record[12..], 8); // BTF_INT_ENC(0, 0, 8)
        return (newTypes, newStrings);
    }

    /// <summary>Header, then types, then strings, with the header's offsets and lengths to match.</summary>
    private static byte[] Assemble(ReadOnlySpan<byte> header, byte[] types, byte[] strings)
    {
        var result = new byte[header.Length + types.Length + strings.Length];
        header.CopyTo(result);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), 0);                      // type_off
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(12), (uint)types.Length);    // type_len
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(16), (uint)types.Length);    // str_off
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(20), (uint)strings.Length);  // str_len
        types.CopyTo(result, header.Length);
        strings.CopyTo(result, header.Length + types.Length);
        return result;
    }
}
