namespace RawBpf.Elf;

/// <summary>
/// A stable sort by an unsigned 32-bit key, in O(n log n) for hostile counts, without LINQ's ordered iterators
/// (about 20 KB of a Native AOT binary that needs nothing else from them).
/// </summary>
internal static class StableOrder
{
    public static T[] ByKey<T>(IReadOnlyList<T> items, Func<T, uint> key)
    {
        // Key in the high half, position in the low half: equal keys keep their order.
        var order = new ulong[items.Count];
        for (var i = 0; i < order.Length; i++)
            order[i] = ((ulong)key(items[i]) << 32) | (uint)i;
        Array.Sort(order);
        var sorted = new T[order.Length];
        for (var i = 0; i < sorted.Length; i++)
            sorted[i] = items[(int)(uint)order[i]];
        return sorted;
    }
}
