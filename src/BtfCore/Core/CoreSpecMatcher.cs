using RawBpf.Uapi;

namespace RawBpf.BtfCore.Core;

/// <summary>
/// Builds specs the way libbpf does: <c>bpf_core_parse_spec</c> turns a relocation's access string into the
/// local spec, <c>bpf_core_spec_match</c> walks the same path through a candidate target type by member name.
/// </summary>
internal static class CoreSpecMatcher
{
    /// <summary>Parses the access string of <paramref name="relocation"/> against the local BTF.</summary>
    public static void Parse(Btf btf, in BpfCoreRelocation relocation, CoreSpecBuilder spec)
    {
        var accessString = btf.GetStringBytes(relocation.AccessStringOffset);
        if (accessString.IsEmpty || accessString[0] == (byte)':')
            throw new CoreMatchException("empty access string");
        spec.Reset(btf, relocation.TypeId, relocation.Kind);
        if (CoreRelocationKinds.IsTypeBased(relocation.Kind))
        {
            // Type-based relocations carry no field path: the access string is exactly "0".
            if (accessString.Length != 1 || accessString[0] != (byte)'0')
                throw new CoreMatchException("a type-based relocation's access string must be \"0\"");
            return;
        }
        ParseIndexes(accessString, spec);

        var root = btf.SkipModifiersAndTypedefs(relocation.TypeId);
        var id = root.Id;
        var first = spec.RawAccessString[0];
        if (CoreRelocationKinds.IsEnumValueBased(relocation.Kind))
        {
            if (!root.IsEnum || spec.RawLength > 1 || first >= root.Vlen)
                throw new CoreMatchException($"enumerator index {first} does not name a value of [{id}] {CoreRelocationKinds.LibbpfKindName(root.Kind)}");
            spec.PushAccessor(new CoreAccessor(id, first, root.EnumValues[first].NameOffset, HasName: true));
            return;
        }
        if (!CoreRelocationKinds.IsFieldBased(relocation.Kind))
            throw new CoreMatchException($"unknown relocation kind {(uint)relocation.Kind}");

        spec.PushAccessor(new CoreAccessor(id, first, 0, HasName: false));
        spec.BitOffset = unchecked((uint)(first * btf.ResolveSize(id) * 8));
        for (var i = 1; i < spec.RawLength; i++)
        {
            var type = btf.SkipModifiersAndTypedefs(id);
            id = type.Id;
            var index = spec.RawAccessString[i];
            if (type.IsComposite)
            {
                if (index >= type.Vlen)
                    throw new CoreMatchException($"member index {index} is past the {type.Vlen} members of [{id}]");
                var member = type.Members[index];
                spec.BitOffset = unchecked(spec.BitOffset + member.BitOffset);
                // Anonymous members stay in the raw string only; the high-level path names real fields.
                if (member.NameOffset != 0)
                {
                    if (member.NameBytes.IsEmpty)
                        throw new CoreMatchException($"member {index} of [{id}] has an empty name");
                    spec.PushAccessor(new CoreAccessor(id, index, member.NameOffset, HasName: true));
                }
                id = member.TypeId;
            }
            else if (type.Kind == BtfKind.Array)
            {
                var elementLength = type.ArrayLength;
                id = btf.SkipModifiersAndTypedefs(type.ArrayElementTypeId).Id;
                if (!IsFlexibleArray(btf, spec.LastAccessor, elementLength) && (uint)index >= elementLength)
                    throw new CoreMatchException($"array index {index} is past the {elementLength} elements of [{type.Id}]");
                spec.PushAccessor(new CoreAccessor(id, index, 0, HasName: false));
                spec.BitOffset = unchecked(spec.BitOffset + (uint)(index * btf.ResolveSize(id) * 8));
            }
            else
            {
                throw new CoreMatchException($"access string step {i} reaches [{id}] of unexpected kind {CoreRelocationKinds.LibbpfKindName(type.Kind)}");
            }
        }
    }

    /// <summary><c>sscanf("%d")</c> over <c>0:1:2</c>, as libbpf reads it.</summary>
    private static void ParseIndexes(ReadOnlySpan<byte> text, CoreSpecBuilder spec)
    {
        var position = 0;
        while (position < text.Length)
        {
            if (text[position] == (byte)':')
                position++;
            var negative = false;
            if (position < text.Length && (text[position] == (byte)'-' || text[position] == (byte)'+'))
                negative = text[position++] == (byte)'-';
            var start = position;
            long value = 0;
            while (position < text.Length && text[position] is >= (byte)'0' and <= (byte)'9')
            {
                value = value * 10 + (text[position++] - '0');
                if (value > int.MaxValue)
                    throw new CoreMatchException("access string index is out of range");
            }
            if (position == start)
                throw new CoreMatchException($"access string is malformed at byte {position}");
            if (negative)
                throw new CoreMatchException("access string has a negative index");
            if (!spec.TryPushRaw((int)value))
                throw new CoreMatchException($"access string is longer than {CoreSpecBuilder.MaxLength} steps");
        }
        if (spec.RawLength == 0)
            throw new CoreMatchException("empty access string");
    }

    /// <summary><c>is_flex_arr</c>: a zero-length array that is the last named member of its struct.</summary>
    private static bool IsFlexibleArray(Btf btf, in CoreAccessor enclosing, uint length)
    {
        if (!enclosing.HasName || length > 0)
            return false;
        return enclosing.Index == btf.GetType(enclosing.TypeId).Vlen - 1;
    }

    /// <summary>
    /// <c>bpf_core_spec_match</c>: does candidate <paramref name="targetId"/> have what the local spec reaches?
    /// On true, <paramref name="target"/> holds the target spec.
    /// </summary>
    public static bool Match(CoreSpecBuilder local, Btf targetBtf, int targetId, CoreSpecBuilder target)
    {
        target.Reset(targetBtf, targetId, local.Kind);
        if (CoreRelocationKinds.IsTypeBased(local.Kind))
        {
            return local.Kind == BpfCoreRelocationKind.TypeMatches
                ? CoreTypeRules.TypesMatch(local.Btf, local.RootTypeId, targetBtf, targetId)
                : CoreTypeRules.TypesCompatible(local.Btf, local.RootTypeId, targetBtf, targetId);
        }
        if (CoreRelocationKinds.IsEnumValueBased(local.Kind))
            return MatchEnumValue(local, targetBtf, targetId, target);
        if (!CoreRelocationKinds.IsFieldBased(local.Kind))
            throw new CoreMatchException($"unknown relocation kind {(uint)local.Kind}");

        for (var i = 0; i < local.Length; i++)
        {
            var targetType = targetBtf.SkipModifiersAndTypedefs(targetId);
            targetId = targetType.Id;
            var localAccessor = local.Accessors[i];
            if (localAccessor.HasName)
            {
                if (!MatchMember(local.Btf, localAccessor, targetBtf, targetId, target, out targetId))
                    return false;
                continue;
            }
            // For i == 0 the root itself plays the array element; deeper, the target must be an array here.
            if (i > 0)
            {
                if (targetType.Kind != BtfKind.Array)
                    return false;
                var length = targetType.ArrayLength;
                if (!IsFlexibleArray(targetBtf, target.LastAccessor, length) && (uint)localAccessor.Index >= length)
                    return false;
                targetId = targetBtf.SkipModifiersAndTypedefs(targetType.ArrayElementTypeId).Id;
            }
            if (!target.TryPushRaw(localAccessor.Index))
                throw new CoreMatchException($"target access path is longer than {CoreSpecBuilder.MaxLength} steps");
            target.PushAccessor(new CoreAccessor(targetId, localAccessor.Index, 0, HasName: false));
            target.BitOffset = unchecked(target.BitOffset + (uint)(localAccessor.Index * targetBtf.ResolveSize(targetId) * 8));
        }
        return true;
    }

    /// <summary>ENUMVAL_*: the target enum must have an enumerator with the same flavor-less name.</summary>
    private static bool MatchEnumValue(CoreSpecBuilder local, Btf targetBtf, int targetId, CoreSpecBuilder target)
    {
        var targetType = targetBtf.SkipModifiersAndTypedefs(targetId);
        if (!targetType.IsEnum)
            return false;
        var localName = local.Btf.GetStringBytes(local.Accessors[0].NameOffset);
        var values = targetType.EnumValues;
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (CoreTypeRules.EssentialNamesEqual(localName, value.NameBytes))
            {
                target.PushAccessor(new CoreAccessor(targetType.Id, i, value.NameOffset, HasName: true));
                target.TryPushRaw(i);
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// <c>bpf_core_match_member</c>: finds the local member's name among the target composite's members,
    /// descending into anonymous structs and unions, and checks the field types are compatible.
    /// </summary>
    private static bool MatchMember(Btf localBtf, CoreAccessor localAccessor, Btf targetBtf, int targetId, CoreSpecBuilder target, out int nextTargetId)
    {
        nextTargetId = 0;
        var targetType = targetBtf.SkipModifiersAndTypedefs(targetId);
        if (!targetType.IsComposite)
            return false;
        targetId = targetType.Id;
        var localMember = localBtf.GetType(localAccessor.TypeId).Members[localAccessor.Index];
        var localName = localMember.NameBytes;
        var members = targetType.Members;
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            // Speculate this member is the one; undone below when it is not.
            if (!target.TryPushRaw(i))
                throw new CoreMatchException($"target access path is longer than {CoreSpecBuilder.MaxLength} steps");
            target.BitOffset = unchecked(target.BitOffset + member.BitOffset);
            var name = member.NameBytes;
            if (name.IsEmpty)
            {
                if (MatchMember(localBtf, localAccessor, targetBtf, member.TypeId, target, out nextTargetId))
                    return true;
            }
            else if (name.SequenceEqual(localName))
            {
                target.PushAccessor(new CoreAccessor(targetId, i, member.NameOffset, HasName: true));
                nextTargetId = member.TypeId;
                if (CoreTypeRules.FieldsCompatible(localBtf, localMember.TypeId, targetBtf, member.TypeId))
                    return true;
                // The name matched but the type does not: libbpf stops looking here.
                target.PopAccessor();
                return false;
            }
            target.BitOffset = unchecked(target.BitOffset - member.BitOffset);
            target.PopRaw();
        }
        return false;
    }
}
