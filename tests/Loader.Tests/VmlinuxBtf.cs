using System.Buffers.Binary;
using System.Text;

namespace RawBpf.Loader.Tests;

/// <summary>
/// Just enough of a BTF reader to find a type id by name in /sys/kernel/btf/vmlinux (the real parser lives in
/// BtfCore; the loader tests must not depend on it).
/// </summary>
internal static class VmlinuxBtf
{
    public const int KindTypedef = 8;

    public static uint FindTypeId(string name, int kind)
    {
        var btf = File.ReadAllBytes("/sys/kernel/btf/vmlinux").AsSpan();
        var headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[4..]);
        var typeOffset = headerLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[8..]);
        var typeLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[12..]);
        var stringOffset = headerLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[16..]);
        var wanted = Encoding.ASCII.GetBytes(name + "\0");

        var position = typeOffset;
        var end = typeOffset + typeLength;
        for (uint id = 1; position < end; id++)
        {
            var nameOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[position..]);
            var info = BinaryPrimitives.ReadUInt32LittleEndian(btf[(position + 4)..]);
            var typeKind = (int)((info >> 24) & 0x1f);
            var vlen = (int)(info & 0xffff);
            if (typeKind == kind && btf[(stringOffset + nameOffset)..].StartsWith(wanted))
            {
                return id;
            }

            position += 12 + typeKind switch
            {
                1 or 14 or 17 => 4,                 // INT, VAR, DECL_TAG
                3 => 12,                            // ARRAY
                4 or 5 or 15 or 19 => vlen * 12,    // STRUCT, UNION, DATASEC, ENUM64
                6 or 13 => vlen * 8,                // ENUM, FUNC_PROTO
                _ => 0,
            };
        }

        throw new InvalidOperationException($"no BTF type {name} of kind {kind} in vmlinux");
    }
}
