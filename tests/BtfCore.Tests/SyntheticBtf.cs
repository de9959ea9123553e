using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests;

/// <summary>Small BTF blobs for bad-input and synthetic tests, written with <see cref="BtfWriter"/>.</summary>
internal static class SyntheticBtf
{
    /// <summary>A small BTF with one type of every kind, each referring to valid ids.</summary>
    public static BtfWriter EveryKind()
    {
        var b = new BtfWriter();
        var i32 = b.AddInt("int", 4, 32, BtfIntEncoding.Signed);                  // 1
        var ptr = b.AddPtr(4);                                                      // 2 -> struct s
        b.AddArray(i32, i32, 8);                                                    // 3
        b.AddStruct("s", 24, [new("a", i32, 0), new("bits", i32, 32, BitfieldSize: 3), new("next", ptr, 64)]); // 4
        b.AddUnion("u", 4, [new("x", i32, 0)]);                                    // 5
        b.AddEnum("e", 4, isSigned: true, [("E_A", -1), ("E_B", 7)]);              // 6
        b.AddFwd("fwd", isUnion: true);                                             // 7
        b.AddTypedef("t", 4);                                                       // 8
        var volatileInt = b.AddVolatile(i32);                                       // 9
        b.AddConst(volatileInt);                                                    // 10
        b.AddRestrict(ptr);                                                         // 11
        var proto = b.AddFuncProto(i32, [("arg", ptr), ("", 0)]);                   // 12
        b.AddFunc("f", proto, BtfLinkage.Global);                                   // 13
        var v = b.AddVar("v", 8, BtfLinkage.Global);                                // 14
        b.AddDatasec(".data", 24, [(v, 0, 24)]);                                    // 15
        b.AddFloat("double", 8);                                                    // 16
        b.AddDeclTag("tag", 4, -1);                                                 // 17
        b.AddTypeTag("user", ptr);                                                  // 18
        b.AddEnum64("e64", 8, isSigned: false, [("E64", 0x7fffffff_ffffffff)]);   // 19
        return b;
    }
}
