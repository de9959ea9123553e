using RawBpf.Uapi;

namespace RawBpf.BtfCore;

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
    public static bool NeedsSanitizing(Btf btf, BtfFeatures support)
    {
        if ((support & BtfFeatures.All) == BtfFeatures.All)
            return false;
        for (var id = btf.FirstTypeId; id <= btf.LastTypeId; id++)
        {
            if (Replacement(btf.GetType(id), support) != Rewrite.None)
                return true;
        }
        return false;
    }

    /// <summary>A sanitized copy of <paramref name="btf"/>'s bytes (not split BTF: objects carry their own).</summary>
    public static byte[] Sanitize(Btf btf, BtfFeatures support)
    {
        if (btf.Base is not null)
            throw new ArgumentException("split BTF is not sanitized: only an object's own BTF is loaded", nameof(btf));
        var writer = BtfWriter.From(btf);
        var placeholderId = 0;
        for (var id = btf.FirstTypeId; id <= btf.LastTypeId; id++)
        {
            var type = btf.GetType(id);
            try
            {
                switch (Replacement(type, support))
                {
                    case Rewrite.ToInt:
                        writer.RewriteHeader(id, BtfKind.Int, 0, 1);
                        writer.SetIntEncoding(id, bits: 8);
                        break;
                    case Rewrite.DatasecToStruct:
                        // A DATASEC named ".data" becomes STRUCT "_data": a dot is no valid C identifier.
                        // A name offset past the strings (corrupt BTF) names nothing to rename.
                        if (type.NameOffset < (uint)writer.StringsLength)
                            writer.ReplaceInString(type.NameOffset, (byte)'.', (byte)'_');
                        writer.RewriteHeader(id, BtfKind.Struct, type.Vlen, type.Size);
                        for (var i = 0; i < type.Vlen; i++)
                        {
                            var variable = type.Variables[i];
                            writer.SetMember(id, i, btf.GetType(variable.TypeId).NameOffset, variable.TypeId, variable.Offset * 8);
                        }
                        break;
                    case Rewrite.FuncProtoToEnum:
                        writer.RewriteHeader(id, BtfKind.Enum, type.Vlen, 4);
                        break;
                    case Rewrite.FuncToTypedef:
                        writer.RewriteHeader(id, BtfKind.Typedef, 0, type.Size);
                        break;
                    case Rewrite.GlobalFuncToStatic:
                        writer.RewriteHeader(id, BtfKind.Func, (int)BtfLinkage.Static, type.Size);
                        break;
                    case Rewrite.FloatToStruct:
                        writer.RewriteHeader(id, BtfKind.Struct, 0, type.Size, nameOffset: 0); // "float" is no valid struct name
                        break;
                    case Rewrite.TypeTagToConst:
                        writer.RewriteHeader(id, BtfKind.Const, 0, type.Size, nameOffset: 0);
                        break;
                    case Rewrite.ClearEnumSign:
                        writer.RewriteHeader(id, BtfKind.Enum, type.Vlen, type.Size);
                        break;
                    case Rewrite.Enum64ToUnion:
                        if (placeholderId == 0)
                            placeholderId = btf.LastTypeId + 1;
                        writer.RewriteHeader(id, BtfKind.Union, type.Vlen, type.Size);
                        for (var i = 0; i < type.Vlen; i++)
                            writer.SetMember(id, i, type.EnumValues[i].NameOffset, placeholderId, 0);
                        break;
                }
            }
            catch (ArgumentException)
            {
                // The writer refuses an offset or id outside this BTF: only corrupt input gets here.
                throw new BtfFormatException($"type [{id}] refers to a string or type outside this BTF and cannot be rewritten for this kernel");
            }
        }
        // INT "enum64_placeholder" (1 byte, unsigned): the member type of ENUM64-turned-UNIONs.
        if (placeholderId != 0)
            writer.AddInt(Enum64PlaceholderName, 1, 8);
        return writer.ToArray();
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

    private static Rewrite Replacement(BtfType type, BtfFeatures support)
    {
        bool Lacks(BtfFeatures feature) => (support & feature) == 0;
        return type.Kind switch
        {
            BtfKind.Var when Lacks(BtfFeatures.DataSec) => Rewrite.ToInt,
            BtfKind.DeclTag when Lacks(BtfFeatures.DeclTag) => Rewrite.ToInt,
            BtfKind.Datasec when Lacks(BtfFeatures.DataSec) => Rewrite.DatasecToStruct,
            BtfKind.FuncProto when Lacks(BtfFeatures.Func) => Rewrite.FuncProtoToEnum,
            BtfKind.Func when Lacks(BtfFeatures.Func) => Rewrite.FuncToTypedef,
            BtfKind.Func when Lacks(BtfFeatures.GlobalFunc) && type.Linkage == BtfLinkage.Global => Rewrite.GlobalFuncToStatic,
            BtfKind.Float when Lacks(BtfFeatures.Float) => Rewrite.FloatToStruct,
            BtfKind.TypeTag when Lacks(BtfFeatures.TypeTag) => Rewrite.TypeTagToConst,
            BtfKind.Enum when Lacks(BtfFeatures.Enum64) && type.KindFlag => Rewrite.ClearEnumSign,
            BtfKind.Enum64 when Lacks(BtfFeatures.Enum64) => Rewrite.Enum64ToUnion,
            _ => Rewrite.None,
        };
    }
}
