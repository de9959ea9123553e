using System.Buffers.Binary;
using RawBpf.Uapi;

namespace RawBpf.BtfCore;

/// <summary>Receives the types of a <see cref="BtfNamedTypeWalk"/>.</summary>
internal interface IBtfNamedTypeVisitor
{
    /// <summary>
    /// One named type of a wanted kind: its index among the BTF's own types (id minus <see cref="Btf.FirstTypeId"/>),
    /// its kind, and its name followed by the NUL and the rest of the string section (callers that reject most
    /// names by their first bytes need not measure them first; a name offset may point at an empty string). False stops the walk.
    /// </summary>
    bool Visit(int index, BtfKind kind, ReadOnlySpan<byte> nameAndRest);
}

/// <summary>
/// The one walk over a BTF's own types by kind and name, for the name scans, the name index and CO-RE's candidate
/// search. Kinds are read from the per-type kind bytes, so most types (FUNC, FUNC_PROTO, PTR, ...) are skipped
/// without reading their headers; anonymous types are skipped; own names are read in place. The visitor is a
/// struct type argument, so the JIT compiles one loop per caller with the visit inlined.
/// </summary>
internal static class BtfNamedTypeWalk
{
    /// <summary>The mask of one kind, for <see cref="Walk"/>.</summary>
    public static uint KindMask(BtfKind kind) => (uint)kind < 32 ? 1u << (int)kind : 0;

    /// <summary>
    /// Calls <paramref name="visitor"/> for each of <paramref name="btf"/>'s own named types whose kind's bit is set in
    /// <paramref name="kindMask"/>, in ascending id order or, with <paramref name="lastFirst"/>, descending.
    /// Returns false when the visitor stopped the walk.
    /// </summary>
    public static bool Walk<TVisitor>(Btf btf, uint kindMask, ref TVisitor visitor, bool lastFirst = false)
        where TVisitor : struct, IBtfNamedTypeVisitor, allows ref struct
    {
        // One span for the whole walk: per-type accessors would fetch it (and check disposal) many times over.
        var data = btf.Span;
        var strings = btf.OwnStrings(data);
        var firstStringOffset = (uint)btf.FirstStringOffset;
        var kinds = btf.OwnTypeKinds;
        // A copy the JIT can keep in registers, written back so that a visitor's state reaches the caller.
        var walker = visitor;
        var completed = true;
        for (var step = 0; step < kinds.Length; step++)
        {
            var index = lastFirst ? kinds.Length - 1 - step : step;
            var kind = kinds[index];
            if ((kindMask & (1u << kind)) == 0)
                continue;
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[btf.OwnTypeOffset(index)..]);
            if (nameOffset == 0)
                continue;
            // Own strings are sliced in place (the section ends in NUL); a split BTF's type may name a base string.
            var local = nameOffset - firstStringOffset;
            var nameAndRest = local < (uint)strings.Length ? strings[(int)local..] : btf.GetStringAndRest(nameOffset);
            if (!walker.Visit(index, (BtfKind)kind, nameAndRest))
            {
                completed = false;
                break;
            }
        }
        visitor = walker;
        return completed;
    }

    /// <summary>The name at the start of a <see cref="IBtfNamedTypeVisitor.Visit"/> argument, without its NUL.</summary>
    public static ReadOnlySpan<byte> Name(ReadOnlySpan<byte> nameAndRest) => nameAndRest[..nameAndRest.IndexOf((byte)0)];
}
