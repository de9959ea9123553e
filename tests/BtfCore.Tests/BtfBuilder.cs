using System.Buffers.Binary;
using System.Text;

namespace RawBpf.BtfCore.Tests;

/// <summary>Writes small BTF blobs by hand (uapi btf.h layout) for bad-input and synthetic tests.</summary>
internal sealed class BtfBuilder
{
    private readonly List<byte> _types = [];
    private readonly List<byte> _strings = [0];
    private readonly Dictionary<string, uint> _offsets = new() { [""] = 0 };

    public int TypeCount { get; private set; }

    public uint Name(string name)
    {
        if (_offsets.TryGetValue(name, out var offset))
            return offset;
        offset = (uint)_strings.Count;
        _strings.AddRange(Encoding.UTF8.GetBytes(name));
        _strings.Add(0);
        _offsets[name] = offset;
        return offset;
    }

    /// <summary>Appends a btf_type header and returns the new type's id.</summary>
    public int Type(string name, BtfKind kind, int vlen, uint sizeOrType, bool kindFlag = false)
    {
        U32(Name(name));
        U32((uint)vlen | ((uint)kind << 24) | (kindFlag ? 1u << 31 : 0));
        U32(sizeOrType);
        return ++TypeCount;
    }

    public BtfBuilder U32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        _types.AddRange(bytes.ToArray());
        return this;
    }

    public int Int(string name, uint size, uint bits, BtfIntEncoding encoding)
    {
        var id = Type(name, BtfKind.Int, 0, size);
        U32(((uint)encoding << 24) | bits);
        return id;
    }

    public BtfBuilder Member(string name, int type, uint bitOffset) => U32(Name(name)).U32((uint)type).U32(bitOffset);

    /// <summary>A small BTF with one type of every kind, each referring to valid ids.</summary>
    public static BtfBuilder EveryKind()
    {
        var b = new BtfBuilder();
        var i32 = b.Int("int", 4, 32, BtfIntEncoding.Signed);                   // 1
        var ptr = b.Type("", BtfKind.Ptr, 0, 4);                                  // 2 -> struct s
        b.Type("", BtfKind.Array, 0, 0);                                          // 3
        b.U32((uint)i32).U32((uint)i32).U32(8);
        b.Type("s", BtfKind.Struct, 3, 24, kindFlag: true);                       // 4
        b.Member("a", i32, 0).Member("bits", i32, (3u << 24) | 32).Member("next", ptr, 64);
        b.Type("u", BtfKind.Union, 1, 4);                                         // 5
        b.Member("x", i32, 0);
        b.Type("e", BtfKind.Enum, 2, 4, kindFlag: true);                          // 6
        b.U32(b.Name("E_A")).U32(unchecked((uint)-1)).U32(b.Name("E_B")).U32(7);
        b.Type("fwd", BtfKind.Fwd, 0, 0, kindFlag: true);                         // 7
        b.Type("t", BtfKind.Typedef, 0, 4);                                       // 8
        b.Type("", BtfKind.Volatile, 0, (uint)i32);                               // 9
        b.Type("", BtfKind.Const, 0, 9);                                          // 10
        b.Type("", BtfKind.Restrict, 0, 2);                                       // 11
        b.Type("", BtfKind.FuncProto, 2, (uint)i32);                              // 12
        b.U32(b.Name("arg")).U32(2).U32(0).U32(0);
        b.Type("f", BtfKind.Func, 1, 12);                                         // 13
        b.Type("v", BtfKind.Var, 0, 8);                                           // 14
        b.U32(1);
        b.Type(".data", BtfKind.Datasec, 1, 24);                                  // 15
        b.U32(14).U32(0).U32(24);
        b.Type("double", BtfKind.Float, 0, 8);                                    // 16
        b.Type("tag", BtfKind.DeclTag, 0, 4);                                     // 17
        b.U32(unchecked((uint)-1));
        b.Type("user", BtfKind.TypeTag, 0, 2);                                    // 18
        b.Type("e64", BtfKind.Enum64, 1, 8);                                      // 19
        b.U32(b.Name("E64")).U32(0xffffffff).U32(0x7fffffff);
        return b;
    }

    public byte[] Build()
    {
        var header = new byte[24];
        BinaryPrimitives.WriteUInt16LittleEndian(header, 0xEB9F);
        header[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)_types.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), (uint)_types.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), (uint)_strings.Count);
        return [.. header, .. _types, .. _strings];
    }
}
