using System.Runtime.CompilerServices;
using RawBpf.Uapi;

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
        var visitor = new Visitor(this, btf, _firstTwoBytes, _acceptAnyName);
        BtfNamedTypeWalk.Walk(btf, _kindMask, ref visitor);
    }

    /// <summary>
    /// Rejects a name by its first two bytes, read before the name is measured (the string section ends in NUL, so
    /// a non-empty name has a second byte), then compares the essential name with each query's. The filter's
    /// table is a field of its own so the walk's loop keeps it in a register.
    /// </summary>
    private readonly struct Visitor(CoreCandidateSearch search, Btf btf, ulong[] firstTwoBytes, bool acceptAnyName) : IBtfNamedTypeVisitor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Visit(int index, BtfKind kind, ReadOnlySpan<byte> nameAndRest)
        {
            if (!acceptAnyName && (nameAndRest[0] == 0 || !IsMarked(firstTwoBytes, nameAndRest[0] | (nameAndRest[1] << 8))))
                return true;
            search.Match(btf, index, kind, BtfNamedTypeWalk.Name(nameAndRest));
            return true;
        }
    }

    // Out of the walk's loop: most types never get here.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Match(Btf btf, int index, BtfKind kind, ReadOnlySpan<byte> name)
    {
        var essential = name[..BtfNames.EssentialNameLength(name)];
        foreach (var query in _queries)
        {
            if ((query.KindMask & (1u << (int)kind)) != 0 && essential.SequenceEqual(query.Essential))
                query.Candidates.Add(new CoreCandidate(btf, btf.FirstTypeId + index));
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

    private static bool IsMarked(ulong[] table, int key) => (table[key >> 6] & (1UL << (key & 63))) != 0;
}
