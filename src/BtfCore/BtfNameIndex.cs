using System.Buffers.Binary;

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
        // One span for the whole walk: per-type accessors would fetch it (and check disposal) many times over.
        var data = btf.Span;
        var strings = btf.OwnStrings(data);
        var kinds = btf.OwnTypeKinds;
        // Inserting from the last type to the first leaves each chain in ascending id order.
        for (var index = count - 1; index >= 0; index--)
        {
            // The kind from its byte array first: FUNC, nearly half of vmlinux, is skipped without reading its header.
            if (!IsIndexed((BtfKind)kinds[index]))
                continue;
            var offset = btf.OwnTypeOffset(index);
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            if (nameOffset == 0)
                continue;
            // Own strings are sliced in place (the section ends in NUL); a split BTF's type may name a base string.
            var local = nameOffset - (uint)btf.FirstStringOffset;
            ReadOnlySpan<byte> name;
            if (local < (uint)strings.Length)
            {
                name = strings[(int)local..];
                name = name[..name.IndexOf((byte)0)];
            }
            else
            {
                name = btf.GetStringBytes(nameOffset);
            }
            var bucket = Hash(name[..BtfNames.EssentialNameLength(name)]) & _mask;
            _next[index] = _heads[bucket];
            _heads[bucket] = index + 1;
        }
    }

    /// <summary>
    /// Kinds a CO-RE relocation can name, the ones looked up by name. FUNC (nearly half of vmlinux), VAR, DATASEC
    /// and DECL_TAG are left out; lookups of those kinds scan instead.
    /// </summary>
    internal static bool IsIndexed(BtfKind kind) =>
        kind is not (BtfKind.Func or BtfKind.Var or BtfKind.Datasec or BtfKind.DeclTag);

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
