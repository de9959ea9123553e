using System.Buffers.Binary;

namespace RawBpf.Elf.Tests.Fuzz;

/// <summary>
/// Structure-aware mutations of a real input: bit flips, truncations, one section's bytes spliced over another's
/// (or another input's), boundary values (0, 0x7fffffff, 0xffffffff...) in counts, sizes, offsets and indexes,
/// zeroed headers, random bytes, inserted or deleted bytes. One to three of them stacked. Deterministic in the
/// <see cref="Random"/> it is given.
/// </summary>
public static class FuzzMutator
{
    private static readonly ulong[] Boundary =
    [
        0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x1_0000, 0xf_ffff, 0x10_0000,
        0x7fff_ffff, 0x8000_0000, 0xffff_fff0, 0xffff_fff8, 0xffff_ffff, 0x7fff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff,
    ];

    public static byte[] Mutate(FuzzInput input, Random random, IReadOnlyList<FuzzInput>? donors = null)
    {
        var data = input.Bytes;
        var steps = random.Next(4) == 0 ? random.Next(2, 4) : 1;
        for (var step = 0; step < steps; step++)
            data = MutateOnce(input, data, random, donors);
        return data;
    }

    /// <summary>One mutation; <paramref name="data"/> is never modified in place (it may be the input's own bytes).</summary>
    private static byte[] MutateOnce(FuzzInput input, byte[] data, Random random, IReadOnlyList<FuzzInput>? donors)
    {
        if (data.Length == 0)
            return data;
        var copy = data.ToArray();
        switch (random.Next(10))
        {
            case 0:
                for (var flips = random.Next(1, 5); flips > 0; flips--)
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return copy;
            case 1:
                // Truncate anywhere, or just inside/after a region's start or end.
                if (random.Next(2) == 0 && input.Regions.Count > 0)
                {
                    var region = input.Regions[random.Next(input.Regions.Count)];
                    var cut = (random.Next(2) == 0 ? region.Offset : region.Offset + region.Length) + random.Next(-2, 3);
                    return copy[..Math.Clamp(cut, 0, copy.Length)];
                }
                return copy[..random.Next(copy.Length)];
            case 2:
                return Splice(input, copy, random, donors);
            case 3 or 4 or 5:
                // The mutations that matter most: a count, size, offset or index at a known field.
                if (input.Fields.Count > 0)
                {
                    var field = input.Fields[random.Next(input.Fields.Count)];
                    WriteField(copy, field, Value(random, copy.Length));
                    return copy;
                }
                goto case 0;
            case 6:
                if (input.Headers.Count > 0)
                {
                    var header = input.Headers[random.Next(input.Headers.Count)];
                    if (header.Offset < copy.Length)
                        copy.AsSpan(header.Offset, Math.Min(header.Length, copy.Length - header.Offset)).Clear();
                    return copy;
                }
                goto case 0;
            case 7:
                {
                    // A boundary value at any aligned offset, not only at the known fields.
                    var width = random.Next(2) == 0 ? 4 : 8;
                    var at = random.Next(copy.Length) & ~(width - 1);
                    WriteField(copy, new FuzzField(at, width), Value(random, copy.Length));
                    return copy;
                }
            case 8:
                {
                    // Insert or delete a few bytes: everything after shifts.
                    var at = random.Next(copy.Length);
                    var count = random.Next(1, 9);
                    if (random.Next(2) == 0)
                        return [.. copy[..at], .. Enumerable.Repeat((byte)random.Next(256), count), .. copy[at..]];
                    return [.. copy[..at], .. copy[Math.Min(copy.Length, at + count)..]];
                }
            default:
                for (var bytes = random.Next(1, 4); bytes > 0; bytes--)
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return copy;
        }
    }

    /// <summary>Copies the bytes of one region (of this input or another real one) over another region.</summary>
    private static byte[] Splice(FuzzInput input, byte[] copy, Random random, IReadOnlyList<FuzzInput>? donors)
    {
        if (input.Regions.Count == 0)
            return copy;
        var target = input.Regions[random.Next(input.Regions.Count)];
        var donor = donors is { Count: > 0 } && random.Next(3) == 0 ? donors[random.Next(donors.Count)] : input;
        if (donor.Regions.Count == 0)
            return copy;
        var source = donor.Regions[random.Next(donor.Regions.Count)];
        var sourceBytes = donor == input ? copy : donor.Bytes;
        if (target.Offset >= copy.Length || source.Offset >= sourceBytes.Length)
            return copy;
        var length = Math.Min(Math.Min(source.Length, sourceBytes.Length - source.Offset), copy.Length - target.Offset);
        if (random.Next(2) == 0)
            length = Math.Min(length, target.Length);
        sourceBytes.AsSpan(source.Offset, length).ToArray().CopyTo(copy.AsSpan(target.Offset));
        return copy;
    }

    private static ulong Value(Random random, int length) => random.Next(6) switch
    {
        0 => (ulong)(length + random.Next(-8, 9)),
        1 => (ulong)random.Next(0, 64),
        2 => (ulong)random.NextInt64(),
        _ => Boundary[random.Next(Boundary.Length)],
    };

    private static void WriteField(byte[] data, FuzzField field, ulong value)
    {
        if (field.Offset < 0 || field.Offset + field.Width > data.Length)
            return;
        var span = data.AsSpan(field.Offset);
        switch (field.Width)
        {
            case 1:
                span[0] = (byte)value;
                break;
            case 2:
                BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value);
                break;
            case 4:
                BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)value);
                break;
            default:
                BinaryPrimitives.WriteUInt64LittleEndian(span, value);
                break;
        }
    }
}
