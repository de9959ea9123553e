using RawBpf.Uapi;

namespace RawBpf.BtfCore.Core;

/// <summary>
/// libbpf's compatibility rules between a local (object) type and a target (kernel) type:
/// <c>bpf_core_fields_are_compat</c> for field relocations, <c>bpf_core_types_are_compat</c> for the type-based
/// kinds and <c>bpf_core_types_match</c> for TYPE_MATCHES. Each returns 1 (compatible), 0 (not) or throws
/// <see cref="CoreMatchException"/> where libbpf returns a negative error.
/// </summary>
internal static class CoreTypeRules
{
    /// <summary>libbpf recurses at most this deep through pointers, arrays and prototypes (its <c>depth = 32</c>).</summary>
    private const int MaxDepth = 32;

    /// <summary><c>btf_kind_core_compat</c>: the same kind, or ENUM and ENUM64 in either order.</summary>
    public static bool KindsCompatible(BtfType a, BtfType b) => a.Kind == b.Kind || (a.IsEnum && b.IsEnum);

    /// <summary><c>bpf_core_essential_name_len</c> + compare: equal names once <c>___flavor</c> is dropped.</summary>
    public static bool EssentialNamesEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var aLength = BtfNames.EssentialNameLength(a);
        return aLength == BtfNames.EssentialNameLength(b) && a[..aLength].SequenceEqual(b[..aLength]);
    }

    /// <summary><c>bpf_core_fields_are_compat</c>: may a local field's type be read as the target field's?</summary>
    public static bool FieldsCompatible(Btf localBtf, int localId, Btf targetBtf, int targetId)
    {
        for (var depth = 0; ; depth++)
        {
            if (depth > MaxDepth)
                throw new CoreMatchException($"field type [{localId}] nests arrays too deeply");
            var local = localBtf.SkipModifiersAndTypedefs(localId);
            var target = targetBtf.SkipModifiersAndTypedefs(targetId);
            if (local.IsComposite && target.IsComposite)
                return true;
            if (!KindsCompatible(local, target))
                return false;
            switch (local.Kind)
            {
                case BtfKind.Ptr or BtfKind.Float:
                    return true;
                case BtfKind.Fwd or BtfKind.Enum or BtfKind.Enum64:
                    {
                        // One of them anonymous, or both with the same flavor-less name.
                        var localName = local.NameBytes;
                        var targetName = target.NameBytes;
                        var localLength = BtfNames.EssentialNameLength(localName);
                        var targetLength = BtfNames.EssentialNameLength(targetName);
                        return localLength == 0 || targetLength == 0
                            || (localLength == targetLength && localName[..localLength].SequenceEqual(targetName[..targetLength]));
                    }
                case BtfKind.Int:
                    // Only the deprecated bitfield-like integers (a non-zero BTF_INT_OFFSET) are refused.
                    return local.IntBitOffset == 0 && target.IntBitOffset == 0;
                case BtfKind.Array:
                    localId = local.ArrayElementTypeId;
                    targetId = target.ArrayElementTypeId;
                    continue;
                default:
                    return false;
            }
        }
    }

    /// <summary><c>bpf_core_types_are_compat</c> (TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE); names already match.</summary>
    public static bool TypesCompatible(Btf localBtf, int localId, Btf targetBtf, int targetId, int level = MaxDepth)
    {
        if (!KindsCompatible(localBtf.GetType(localId), targetBtf.GetType(targetId)))
            return false;
        for (var depth = 0; ; depth++)
        {
            if (depth >= MaxDepth)
                throw new CoreMatchException($"type [{localId}] nests too deeply");
            var local = localBtf.SkipModifiersAndTypedefs(localId);
            var target = targetBtf.SkipModifiersAndTypedefs(targetId);
            if (!KindsCompatible(local, target))
                return false;
            switch (local.Kind)
            {
                case BtfKind.Unknown or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Fwd or BtfKind.Enum64:
                    return true;
                case BtfKind.Int:
                    return local.IntBitOffset == 0 && target.IntBitOffset == 0;
                case BtfKind.Ptr:
                    localId = local.TypeId;
                    targetId = target.TypeId;
                    continue;
                case BtfKind.Array:
                    localId = local.ArrayElementTypeId;
                    targetId = target.ArrayElementTypeId;
                    continue;
                case BtfKind.FuncProto:
                    {
                        var localParams = local.Params;
                        var targetParams = target.Params;
                        if (localParams.Count != targetParams.Count)
                            return false;
                        for (var i = 0; i < localParams.Count; i++)
                        {
                            if (level <= 0)
                                throw new CoreMatchException($"function prototype [{local.Id}] nests too deeply");
                            var localParam = localBtf.SkipModifiersAndTypedefs(localParams[i].TypeId).Id;
                            var targetParam = targetBtf.SkipModifiersAndTypedefs(targetParams[i].TypeId).Id;
                            if (!TypesCompatible(localBtf, localParam, targetBtf, targetParam, level - 1))
                                return false;
                        }
                        // Tail position: the return type.
                        localId = localBtf.SkipModifiersAndTypedefs(local.TypeId).Id;
                        targetId = targetBtf.SkipModifiersAndTypedefs(target.TypeId).Id;
                        continue;
                    }
                default:
                    return false;
            }
        }
    }

    /// <summary><c>bpf_core_names_match</c>: an anonymous side matches anything, else essential names must agree.</summary>
    private static bool NamesMatch(ReadOnlySpan<byte> local, ReadOnlySpan<byte> target) =>
        local.IsEmpty || target.IsEmpty || EssentialNamesEqual(local, target);

    /// <summary><c>bpf_core_types_match</c> (TYPE_MATCHES): stricter than compatibility, members and enumerators by name.</summary>
    public static bool TypesMatch(Btf localBtf, int localId, Btf targetBtf, int targetId, bool behindPointer = false, int level = MaxDepth)
    {
        if (level <= 0)
            throw new CoreMatchException($"type [{localId}] nests too deeply for TYPE_MATCHES");
        for (var depth = 0; ; depth++)
        {
            if (depth >= MaxDepth)
                throw new CoreMatchException($"type [{localId}] nests too deeply for TYPE_MATCHES");
            var local = localBtf.SkipModifiersAndTypedefs(localId);
            var target = targetBtf.SkipModifiersAndTypedefs(targetId);
            // Names are compared after typedefs are skipped; the root's own name was matched by the caller.
            if (!NamesMatch(local.NameBytes, target.NameBytes))
                return false;
            var localKind = local.Kind;
            var targetKind = target.Kind;
            switch (localKind)
            {
                case BtfKind.Unknown:
                    return targetKind == BtfKind.Unknown;
                case BtfKind.Fwd:
                    // kind_flag says whether a forward declaration is of a union (1) or a struct (0).
                    if (behindPointer && localKind != targetKind)
                        return (targetKind == BtfKind.Struct && !local.KindFlag) || (targetKind == BtfKind.Union && local.KindFlag);
                    return localKind == targetKind && local.KindFlag == target.KindFlag;
                case BtfKind.Enum or BtfKind.Enum64:
                    return target.IsEnum && EnumsMatch(local, target);
                case BtfKind.Struct or BtfKind.Union:
                    if (behindPointer)
                    {
                        if (localKind == targetKind)
                            return true;
                        return targetKind == BtfKind.Fwd && (localKind == BtfKind.Union) == target.KindFlag;
                    }
                    return localKind == targetKind && CompositesMatch(localBtf, local, targetBtf, target, behindPointer, level);
                case BtfKind.Int:
                    return localKind == targetKind && local.Size == target.Size
                        && (local.IntEncoding & BtfIntEncoding.Signed) == (target.IntEncoding & BtfIntEncoding.Signed);
                case BtfKind.Ptr:
                    if (localKind != targetKind)
                        return false;
                    behindPointer = true;
                    localId = local.TypeId;
                    targetId = target.TypeId;
                    continue;
                case BtfKind.Array:
                    if (localKind != targetKind || local.ArrayLength != target.ArrayLength)
                        return false;
                    localId = local.ArrayElementTypeId;
                    targetId = target.ArrayElementTypeId;
                    continue;
                case BtfKind.FuncProto:
                    {
                        if (localKind != targetKind || local.Vlen != target.Vlen)
                            return false;
                        var localParams = local.Params;
                        var targetParams = target.Params;
                        for (var i = 0; i < localParams.Count; i++)
                        {
                            if (!TypesMatch(localBtf, localParams[i].TypeId, targetBtf, targetParams[i].TypeId, behindPointer, level - 1))
                                return false;
                        }
                        localId = local.TypeId;
                        targetId = target.TypeId;
                        continue;
                    }
                default:
                    return false;
            }
        }
    }

    /// <summary><c>bpf_core_enums_match</c>: same size, every local enumerator name present in the target.</summary>
    private static bool EnumsMatch(BtfType local, BtfType target)
    {
        if (local.Size != target.Size || local.Vlen > target.Vlen)
            return false;
        var targetValues = target.EnumValues;
        foreach (var localValue in local.EnumValues)
        {
            var localName = localValue.NameBytes;
            var matched = false;
            for (var j = 0; j < targetValues.Count && !matched; j++)
                matched = NamesMatch(localName, targetValues[j].NameBytes);
            if (!matched)
                return false;
        }
        return true;
    }

    /// <summary><c>bpf_core_composites_match</c>: every local member has a same-named target member whose type matches.</summary>
    private static bool CompositesMatch(Btf localBtf, BtfType local, Btf targetBtf, BtfType target, bool behindPointer, int level)
    {
        if (local.Vlen > target.Vlen)
            return false;
        var targetMembers = target.Members;
        foreach (var localMember in local.Members)
        {
            var localName = localMember.NameBytes;
            var matched = false;
            for (var j = 0; j < targetMembers.Count && !matched; j++)
            {
                var targetMember = targetMembers[j];
                if (NamesMatch(localName, targetMember.NameBytes))
                    matched = TypesMatch(localBtf, localMember.TypeId, targetBtf, targetMember.TypeId, behindPointer, level - 1);
            }
            if (!matched)
                return false;
        }
        return true;
    }
}

/// <summary>What libbpf reports as a negative error while parsing or matching a spec; wrapped with context by the relocator.</summary>
internal sealed class CoreMatchException(string message) : Exception(message);
