using System.Runtime.CompilerServices;
using RawBpf.Uapi;

namespace RawBpf.BtfCore;

/// <summary>
/// A hash index of one BTF's named types by essential name, built on the first lookup by name: chained buckets in two
/// int arrays (heads, next), so it costs no object per type. Chains hold ids in ascending order.
/// </summary>
public sealed class BtfNameIndex
{
    private readonly Btf _btf;
    private readonly int[] _heads;
    private readonly int[] _next;
    private readonly int _mask;

    internal BtfNameIndex(Btf btf)
    {
        _btf = btf;
        var count = btf.OwnTypeCount;
        var buckets = 16;
        while (buckets < count / 2)
            buckets <<= 1;
        _mask = buckets - 1;
        _heads = new int[buckets];
        _next = new int[count];
        // Inserting from the last type to the first leaves each chain in ascending id order.
        var insert = new Insert(_heads, _next, _mask);
        BtfNamedTypeWalk.Walk(btf, IndexedKinds, ref insert, lastFirst: true);
    }

    /// <summary>Chains each named type into the bucket of its essential name.</summary>
    private readonly struct Insert(int[] heads, int[] next, int mask) : IBtfNamedTypeVisitor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Visit(int index, BtfKind kind, ReadOnlySpan<byte> nameAndRest)
        {
            var name = BtfNamedTypeWalk.Name(nameAndRest);
            var bucket = Hash(name[..BtfNames.EssentialNameLength(name)]) & mask;
            next[index] = heads[bucket];
            heads[bucket] = index + 1;
            return true;
        }
    }

    /// <summary>
    /// Kinds a CO-RE relocation can name, the ones looked up by name. FUNC (nearly half of vmlinux), VAR, DATASEC
    /// and DECL_TAG are left out; lookups of those kinds scan instead.
    /// </summary>
    internal static bool IsIndexed(BtfKind kind) => (IndexedKinds & BtfNamedTypeWalk.KindMask(kind)) != 0;

    /// <summary>Every kind but FUNC, VAR, DATASEC and DECL_TAG, as a mask for <see cref="BtfNamedTypeWalk"/>.</summary>
    internal const uint IndexedKinds = ~((1u << (int)BtfKind.Func) | (1u << (int)BtfKind.Var) | (1u << (int)BtfKind.Datasec) | (1u << (int)BtfKind.DeclTag));

    private static int Hash(ReadOnlySpan<byte> name)
    {
        var hash = new HashCode();
        hash.AddBytes(name);
        return hash.ToHashCode();
    }

    /// <summary>Walks the base's candidates, then this BTF's, comparing essential names byte for byte.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _essential;
        private readonly int _hash;
        private Btf? _current;
        private readonly Btf _top;
        private int _link;
        private bool _started;

        internal Enumerator(Btf btf, ReadOnlySpan<byte> essential)
        {
            _essential = essential;
            _hash = Hash(essential);
            _top = btf;
            var bottom = btf;
            while (bottom.Base is not null)
                bottom = bottom.Base;
            _current = bottom;
            Current = 0;
        }

        public int Current { get; private set; }

        public readonly Enumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (_current is not null)
            {
                var index = _current.NameIndex;
                _link = _started ? index._next[_link - 1] : index._heads[_hash & index._mask];
                _started = true;
                while (_link != 0)
                {
                    var id = _current.FirstTypeId + _link - 1;
                    var name = _current.GetType(id).NameBytes;
                    if (name[..BtfNames.EssentialNameLength(name)].SequenceEqual(_essential))
                    {
                        Current = id;
                        return true;
                    }
                    _link = index._next[_link - 1];
                }
                _current = NextUp(_current);
                _started = false;
            }
            return false;
        }

        // The BTF directly above `btf` in the chain from the bottom base to the top.
        private readonly Btf? NextUp(Btf btf)
        {
            if (ReferenceEquals(btf, _top))
                return null;
            var above = _top;
            while (!ReferenceEquals(above.Base, btf))
                above = above.Base!;
            return above;
        }
    }
}
