using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests;

/// <summary>Touches every type through every accessor, the resolvers, the lookups and the dumper.</summary>
internal static class BtfWalker
{
    public static long Walk(Btf btf)
    {
        long sum = 0;
        for (var id = 0; id <= btf.LastTypeId; id++)
        {
            var type = btf.GetType(id);
            sum += type.NameBytes.Length + type.Name.Length + (int)type.Size + type.Vlen + (type.KindFlag ? 1 : 0);
            switch (type.Kind)
            {
                case BtfKind.Int:
                    sum += (int)type.IntEncoding + type.IntBitOffset + type.IntBits;
                    break;
                case BtfKind.Array:
                    sum += btf.GetType(type.ArrayElementTypeId).Id + btf.GetType(type.ArrayIndexTypeId).Id + type.ArrayLength;
                    break;
                case BtfKind.Func or BtfKind.Var:
                    sum += (int)type.Linkage;
                    break;
                case BtfKind.DeclTag:
                    sum += type.DeclTagComponentIndex;
                    break;
            }
            foreach (var member in type.Members)
                sum += member.Name.Length + btf.GetType(member.TypeId).Id + member.BitOffset + member.BitfieldSize;
            foreach (var value in type.EnumValues)
                sum += value.Name.Length + value.SignedValue;
            foreach (var param in type.Params)
                sum += param.Name.Length + btf.GetType(param.TypeId).Id;
            foreach (var variable in type.Variables)
                sum += btf.GetType(variable.TypeId).Id + variable.Offset + variable.Size;
            if (type.IsModifier || type.Kind is BtfKind.Typedef or BtfKind.Ptr or BtfKind.Func or BtfKind.Var or BtfKind.FuncProto or BtfKind.DeclTag)
                sum += btf.GetType(type.TypeId).Id;
            sum += Tolerant(() => btf.SkipModifiersAndTypedefs(id).Id);
            sum += Tolerant(() => btf.SkipModifiers(id).Id);
            sum += Tolerant(() => btf.ResolveSize(id));
            if (!type.IsVoid && type.NameOffset != 0)
            {
                sum += btf.FindTypeId(type.NameBytes, type.Kind);
                foreach (var candidate in btf.FindByEssentialName(type.NameBytes))
                    sum += candidate;
            }
        }
        BtfDumper.Write(btf, Stream.Null);
        return sum;
    }

    public static long Walk(BtfExt ext, Btf btf)
    {
        long sum = 0;
        foreach (var section in ext.FuncInfo.Sections)
        {
            for (var i = 0; i < section.Count; i++)
                sum += section.GetFuncInfo(i).InstructionOffset + btf.GetType(section.GetFuncInfo(i).TypeId).Id;
        }
        foreach (var section in ext.LineInfo.Sections)
        {
            for (var i = 0; i < section.Count; i++)
            {
                var line = section.GetLineInfo(i);
                sum += btf.GetString(line.FileNameOffset).Length + btf.GetString(line.LineOffset).Length + line.Line + line.Column;
            }
        }
        foreach (var section in ext.CoreRelocations.Sections)
        {
            for (var i = 0; i < section.Count; i++)
            {
                var relo = section.GetCoreRelocation(i);
                sum += btf.GetString(relo.AccessStringOffset).Length + btf.GetType(relo.TypeId).Id + (int)relo.Kind;
            }
        }
        return sum;
    }

    /// <summary>Resolvers may rightly refuse a type (a FUNC has no size): only a BtfFormatException counts as a refusal.</summary>
    private static long Tolerant(Func<long> action)
    {
        try
        {
            return action();
        }
        catch (BtfFormatException)
        {
            return 0;
        }
    }
}
