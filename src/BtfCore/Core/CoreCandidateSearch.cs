using System.Buffers.Binary;

namespace RawBpf.BtfCore.Core;

/// <summary>
/// Finds the CO-RE candidates of several local root types in one pass over a target BTF's types, without the
/// target's name index: an object relocates a handful of root types, so building a hash index of all of
/// vmlinux's named types (126k) for them costs far more than one filtered walk. The walk rejects a type by its
/// kind, then by the first two bytes of its name (a 64K-bit table), before it measures the essential name.
/// Candidates come out in ascending id order, base BTF first: the order of libbpf's <c>bpf_core_find_cands</c>.
/// </summary>
internal sealed class CoreCandidateSearch
{
    private readonly List<Query> _queries = [];
    private readonly ulong[] _firstTwoBytes = new ulong[65536 / 64];
    private bool _acceptAnyName;
    private uint _kindMask;

    /// <summary>One local root type: its kind decides which target kinds qualify, its essential name which names.</summary>
    private sealed record Query(byte[] Essential, uint KindMask, List<CoreCandidate> Candidates);

    public bool IsEmpty => _queries.Count == 0;

    /// <summary>Asks for the candidates of <paramref name="localType"/> (named), gathered into <paramref name="candidates"/>.</summary>
    public void Add(BtfType localType, List<CoreCandidate> candidates)
    {
        var name = localType.NameBytes;
        var essential = name[..BtfNames.EssentialNameLength(name)].ToArray();
        var kindMask = CompatibleKinds(localType.Kind);
        _queries.Add(new Query(essential, kindMask, candidates));
        _kindMask |= kindMask;
        switch (essential.Length)
        {
            case 0:
                // A name that is all flavor ("___x"): its candidates' names start anywhere.
                _acceptAnyName = true;
                break;
            case 1:
                // The second byte is the terminator or a flavor's "_": allow every second byte.
                for (var second = 0; second < 256; second++)
                    Mark(essential[0] | (second << 8));
                break;
            default:
                Mark(essential[0] | (essential[1] << 8));
                break;
        }
    }

    /// <summary>Walks <paramref name="target"/>'s types, its base chain's first when <paramref name="withBase"/>.</summary>
    public void Search(Btf target, bool withBase)
    {
        if (IsEmpty)
            return;
        if (withBase && target.Base is { } baseBtf)
            Search(baseBtf, true);
        SearchOwn(target);
    }

    private void SearchOwn(Btf btf)
    {
        // One span for the whole walk: per-type accessors would fetch it (and check disposal) many times over.
        var data = btf.Span;
        var strings = btf.OwnStrings(data);
        // Kinds first, from their own byte array: most types (FUNC, FUNC_PROTO, PTR, ...) are never looked at.
        var kinds = btf.OwnTypeKinds;
        for (var index = 0; index < kinds.Length; index++)
        {
            var kind = kinds[index];
            if ((_kindMask & (1u << kind)) == 0)
                continue;
            var offset = btf.OwnTypeOffset(index);
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            if (nameOffset == 0)
                continue;
            // Own strings are read in place (the section ends in NUL, so a non-empty name has a second byte);
            // a split BTF's type may name a base string.
            var local = nameOffset - (uint)btf.FirstStringOffset;
            ReadOnlySpan<byte> name;
            if (local < (uint)strings.Length)
            {
                name = strings[(int)local..];
                if (!_acceptAnyName && (name[0] == 0 || !IsMarked(name[0] | (name[1] << 8))))
                    continue;
                name = name[..name.IndexOf((byte)0)];
            }
            else
            {
                name = btf.GetStringBytes(nameOffset);
                if (!_acceptAnyName && (name.IsEmpty || !IsMarked(name[0] | ((name.Length > 1 ? name[1] : 0) << 8))))
                    continue;
            }
            var essential = name[..BtfNames.EssentialNameLength(name)];
            foreach (var query in _queries)
            {
                if ((query.KindMask & (1u << kind)) != 0 && essential.SequenceEqual(query.Essential))
                    query.Candidates.Add(new CoreCandidate(btf, btf.FirstTypeId + index));
            }
        }
    }

    /// <summary>
    /// <c>btf_kind_core_compat</c> as a mask of target kinds, limited to the kinds a name lookup has always
    /// returned (<see cref="BtfNameIndex.IsIndexed"/>), so the candidates are those the name index gives.
    /// </summary>
    private static uint CompatibleKinds(BtfKind kind)
    {
        if (!BtfNameIndex.IsIndexed(kind) || (uint)kind >= 32)
            return 0;
        return kind is BtfKind.Enum or BtfKind.Enum64
            ? (1u << (int)BtfKind.Enum) | (1u << (int)BtfKind.Enum64)
            : 1u << (int)kind;
    }

    private void Mark(int key) => _firstTwoBytes[key >> 6] |= 1UL << (key & 63);

    private bool IsMarked(int key) => (_firstTwoBytes[key >> 6] & (1UL << (key & 63))) != 0;
}
