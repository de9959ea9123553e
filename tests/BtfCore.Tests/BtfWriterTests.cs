using System.Buffers.Binary;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests;

/// <summary>
/// BtfWriter: every kind it appends reads back through <see cref="Btf"/> as written, a parsed BTF comes out byte
/// for byte as it went in, strings are deduplicated, in-place rewrites touch only what they name, and misuse gets
/// a typed exception that says which type and why.
/// </summary>
public sealed class BtfWriterTests
{
    private static Btf EveryKind() => Btf.Parse(SyntheticBtf.EveryKind().ToArray());

    private static List<T> Items<T>(BtfRecordList<T> records) where T : IBtfRecord<T>
    {
        var items = new List<T>();
        foreach (var record in records)
            items.Add(record);
        return items;
    }

    [Fact]
    public void Every_kind_reads_back_as_written()
    {
        var btf = EveryKind();
        Assert.Equal(19, btf.LastTypeId);
        Assert.Equal(24, btf.HeaderLength);

        var int32 = btf.GetType(1);
        Assert.Equal((BtfKind.Int, "int", 4u, 32, BtfIntEncoding.Signed, 0), (int32.Kind, int32.Name, int32.Size, int32.IntBits, int32.IntEncoding, int32.IntBitOffset));
        Assert.Equal((BtfKind.Ptr, "", 4), (btf.GetType(2).Kind, btf.GetType(2).Name, btf.GetType(2).TypeId));
        var array = btf.GetType(3);
        Assert.Equal((BtfKind.Array, 1, 1, 8u), (array.Kind, array.ArrayElementTypeId, array.ArrayIndexTypeId, array.ArrayLength));

        var composite = btf.GetType(4);
        Assert.Equal((BtfKind.Struct, "s", 24u, true), (composite.Kind, composite.Name, composite.Size, composite.KindFlag));
        Assert.Equal(
            [("a", 1, 0u, 0u), ("bits", 1, 32u, 3u), ("next", 2, 64u, 0u)],
            Items(composite.Members).Select(m => (m.Name, m.TypeId, m.BitOffset, m.BitfieldSize)));
        var union = btf.GetType(5);
        Assert.Equal((BtfKind.Union, "u", 4u, false), (union.Kind, union.Name, union.Size, union.KindFlag));
        Assert.Equal([("x", 1, 0u)], Items(union.Members).Select(m => (m.Name, m.TypeId, m.BitOffset)));

        var enumeration = btf.GetType(6);
        Assert.Equal((BtfKind.Enum, "e", 4u, true), (enumeration.Kind, enumeration.Name, enumeration.Size, enumeration.KindFlag));
        Assert.Equal([("E_A", -1L), ("E_B", 7L)], Items(enumeration.EnumValues).Select(v => (v.Name, v.SignedValue)));
        Assert.Equal((BtfKind.Fwd, "fwd", true), (btf.GetType(7).Kind, btf.GetType(7).Name, btf.GetType(7).IsUnionForward));
        Assert.Equal((BtfKind.Typedef, "t", 4), (btf.GetType(8).Kind, btf.GetType(8).Name, btf.GetType(8).TypeId));
        Assert.Equal((BtfKind.Volatile, 1), (btf.GetType(9).Kind, btf.GetType(9).TypeId));
        Assert.Equal((BtfKind.Const, 9), (btf.GetType(10).Kind, btf.GetType(10).TypeId));
        Assert.Equal((BtfKind.Restrict, 2), (btf.GetType(11).Kind, btf.GetType(11).TypeId));

        var proto = btf.GetType(12);
        Assert.Equal((BtfKind.FuncProto, 1), (proto.Kind, proto.TypeId));
        Assert.Equal([("arg", 2), ("", 0)], Items(proto.Params).Select(p => (p.Name, p.TypeId)));
        var func = btf.GetType(13);
        Assert.Equal((BtfKind.Func, "f", 12, BtfLinkage.Global), (func.Kind, func.Name, func.TypeId, func.Linkage));
        var variable = btf.GetType(14);
        Assert.Equal((BtfKind.Var, "v", 8, BtfLinkage.Global), (variable.Kind, variable.Name, variable.TypeId, variable.Linkage));
        var datasec = btf.GetType(15);
        Assert.Equal((BtfKind.Datasec, ".data", 24u), (datasec.Kind, datasec.Name, datasec.Size));
        Assert.Equal([(14, 0u, 24u)], Items(datasec.Variables).Select(v => (v.TypeId, v.Offset, v.Size)));
        Assert.Equal((BtfKind.Float, "double", 8u), (btf.GetType(16).Kind, btf.GetType(16).Name, btf.GetType(16).Size));
        var tag = btf.GetType(17);
        Assert.Equal((BtfKind.DeclTag, "tag", 4, -1), (tag.Kind, tag.Name, tag.TypeId, tag.DeclTagComponentIndex));
        Assert.Equal((BtfKind.TypeTag, "user", 2), (btf.GetType(18).Kind, btf.GetType(18).Name, btf.GetType(18).TypeId));
        var enum64 = btf.GetType(19);
        Assert.Equal((BtfKind.Enum64, "e64", 8u, false), (enum64.Kind, enum64.Name, enum64.Size, enum64.KindFlag));
        Assert.Equal([("E64", 0x7fffffff_ffffffffUL)], Items(enum64.EnumValues).Select(v => (v.Name, v.UnsignedValue)));
    }

    [Fact]
    public void Int_encoding_carries_its_bit_offset()
    {
        var writer = new BtfWriter();
        writer.AddInt("bool", 1, 1, BtfIntEncoding.Bool, bitOffset: 3);
        var type = Btf.Parse(writer.ToArray()).GetType(1);
        Assert.Equal((1, 3, BtfIntEncoding.Bool), (type.IntBits, type.IntBitOffset, type.IntEncoding));
    }

    [Fact]
    public void A_parsed_btf_is_written_back_byte_for_byte()
    {
        var blob = SyntheticBtf.EveryKind().ToArray();
        Assert.Equal(blob, BtfWriter.From(Btf.Parse(blob)).ToArray());
        // The running kernel's BTF: clang/pahole's layout is the writer's (24-byte header, types, strings).
        var vmlinux = File.ReadAllBytes(BtfFiles.Vmlinux);
        Assert.Equal(vmlinux, BtfWriter.From(Btf.Parse(vmlinux)).ToArray());
    }

    [Fact]
    public void Types_appended_to_a_parsed_btf_continue_its_ids()
    {
        var writer = BtfWriter.From(EveryKind());
        var id = writer.AddVar("dummy_ksym", 1, BtfLinkage.Global);
        Assert.Equal(20, id);
        var btf = Btf.Parse(writer.ToArray());
        Assert.Equal("dummy_ksym", btf.GetType(20).Name);
        Assert.Equal("s", btf.GetType(4).Name);
    }

    [Fact]
    public void Strings_are_deduplicated_against_written_and_copied_strings()
    {
        var writer = new BtfWriter();
        Assert.Equal(0u, writer.AddString(""));
        var first = writer.AddString("task_struct");
        Assert.Equal(1u, first);
        Assert.Equal(first, writer.AddString("task_struct"u8));
        Assert.Equal(first, writer.AddString("task_struct"));
        Assert.Equal(1 + 12, writer.StringsLength);
        // A suffix is a new string, as in libbpf (only whole strings are looked up).
        Assert.Equal(13u, writer.AddString("struct"));
        writer.AddStruct("task_struct", 8, [new("struct", writer.AddInt("long", 8, 64), 0)]);
        Assert.Equal(1 + 12 + 7 + 5, writer.StringsLength);

        var copy = BtfWriter.From(EveryKind());
        var length = copy.StringsLength;
        var btf = EveryKind();
        Assert.Equal(btf.GetType(4).NameOffset, copy.AddString("s"));
        Assert.Equal(btf.GetType(15).NameOffset, copy.AddString(".data"));
        Assert.Equal(length, copy.StringsLength);
        Assert.Equal((uint)length, copy.AddString("new"));
    }

    [Fact]
    public void A_renamed_string_is_found_under_its_new_name()
    {
        var btf = EveryKind();
        var writer = BtfWriter.From(btf);
        var dataName = btf.GetType(15).NameOffset;
        Assert.Equal(dataName, writer.AddString(".data"));
        writer.ReplaceInString(dataName, (byte)'.', (byte)'_');
        Assert.Equal(dataName, writer.AddString("_data"));
        Assert.Equal("_data", Btf.Parse(writer.ToArray()).GetType(15).Name);
    }

    [Fact]
    public void Rewrites_change_only_the_named_type()
    {
        var btf = EveryKind();
        var before = btf.RawData.ToArray();
        var writer = BtfWriter.From(btf);
        writer.RewriteHeader(14, BtfKind.Int, 0, 1);   // VAR v -> INT, as the sanitizer does
        writer.SetIntEncoding(14, bits: 8);
        writer.SetFuncLinkage(13, BtfLinkage.Static);
        writer.SetParamName(12, 1, btf.GetType(13).NameOffset);
        writer.SetSizeOrType(15, 32);
        var after = writer.ToArray();
        var rewritten = Btf.Parse(after);
        Assert.Equal((BtfKind.Int, "v", 1u, 8), (rewritten.GetType(14).Kind, rewritten.GetType(14).Name, rewritten.GetType(14).Size, rewritten.GetType(14).IntBits));
        Assert.Equal(BtfLinkage.Static, rewritten.GetType(13).Linkage);
        Assert.Equal("f", rewritten.GetType(12).Params[1].Name);
        Assert.Equal(32u, rewritten.GetType(15).Size);
        Assert.Equal(before.Length, after.Length);
        // Every type but the four rewritten ones is byte-identical.
        for (var id = 1; id <= btf.LastTypeId; id++)
        {
            if (id is 12 or 13 or 14 or 15)
                continue;
            Assert.Equal(btf.GetType(id).Info, rewritten.GetType(id).Info);
            Assert.Equal(btf.GetType(id).Size, rewritten.GetType(id).Size);
            Assert.Equal(btf.GetType(id).Extra.ToArray(), rewritten.GetType(id).Extra.ToArray());
        }
    }

    [Fact]
    public void Datasec_variables_sort_by_offset_keeping_ties_in_order()
    {
        var writer = new BtfWriter();
        var int32 = writer.AddInt("int", 4, 32, BtfIntEncoding.Signed);
        var a = writer.AddVar("a", int32, BtfLinkage.Global);
        var b = writer.AddVar("b", int32, BtfLinkage.Global);
        var c = writer.AddVar("c", int32, BtfLinkage.Global);
        var d = writer.AddVar("d", int32, BtfLinkage.Global);
        var section = writer.AddDatasec(".data", 12, [(a, 8, 4), (b, 0, 4), (c, 8, 0), (d, 4, 4)]);
        writer.SortDatasecVariables(section);
        var sorted = Items(Btf.Parse(writer.ToArray()).GetType(section).Variables);
        Assert.Equal([(b, 0u), (d, 4u), (a, 8u), (c, 8u)], sorted.Select(v => (v.TypeId, v.Offset)));
    }

    [Fact]
    public void Misuse_gets_typed_errors_naming_the_type()
    {
        var writer = BtfWriter.From(EveryKind());
        Assert.Contains("contain NUL", Assert.Throws<ArgumentException>(() => writer.AddString("a\0b")).Message);
        Assert.Contains("type id 20 is out of range [1, 19]", Assert.Throws<ArgumentOutOfRangeException>(() => writer.SetSizeOrType(20, 1)).Message);
        Assert.Contains("type [4] STRUCT has 36 bytes after its header; INT with vlen 0 needs 4",
            Assert.Throws<ArgumentException>(() => writer.RewriteHeader(4, BtfKind.Int, 0, 4)).Message);
        Assert.Contains("type [1] is INT, not VAR", Assert.Throws<ArgumentException>(() => writer.SetVarLinkage(1, BtfLinkage.Global)).Message);
        Assert.Contains("type [15] DATASEC has 1 records", Assert.Throws<ArgumentOutOfRangeException>(() => writer.SetDatasecVariable(15, 1, 14, 0, 4)).Message);
        Assert.Contains("string offset 100000 is past the string section",
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.SetParamName(12, 0, 100000)).Message);
        Assert.Contains("type id 1048576 is out of range", Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddPtr(Btf.MaxTypeId + 1)).Message);
        Assert.Contains("33 bits do not fit 4 bytes", Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddInt("i", 4, 33)).Message);
        var tooMany = new (string, int)[0x10000];
        Array.Fill(tooMany, ("", 1));
        Assert.Contains("65536 records do not fit vlen's 16 bits", Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddFuncProto(1, tooMany)).Message);
        Assert.Contains("bitfield size 256 does not fit 8 bits",
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddStruct("s", 4, [new("m", 1, 0, BitfieldSize: 256)])).Message);
        // Bad records found after the type's header was written: the type and its strings are taken back.
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddStruct("half", 4, [new("ok", 1, 0), new("bad", Btf.MaxTypeId + 1, 0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddDatasec(".half", 4, [(14, 0, 4), (-1, 0, 4)]));
        Assert.Throws<ArgumentException>(() => writer.AddEnum("half", 4, false, [("A", 1), ("B\0", 2)]));
        // A failed call appends nothing.
        Assert.Equal(19, writer.LastTypeId);
        Assert.Equal(EveryKind().RawData.ToArray(), writer.ToArray());

        var split = Btf.Parse(new BtfWriter().ToArray(), EveryKind());
        Assert.Contains("split BTF", Assert.Throws<ArgumentException>(() => BtfWriter.From(split)).Message);
    }

    [Fact]
    public void The_header_follows_btf_h()
    {
        var writer = new BtfWriter();
        writer.AddFloat("float", 4);
        var blob = writer.ToArray();
        Assert.Equal(Btf.Magic, BinaryPrimitives.ReadUInt16LittleEndian(blob));
        Assert.Equal([1, 0], blob[2..4]);
        Assert.Equal(24u, BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(4)));     // hdr_len
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(8)));      // type_off
        Assert.Equal(12u, BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(12)));    // type_len
        Assert.Equal(12u, BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(16)));    // str_off
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(20)));     // str_len: "\0float\0"
        Assert.Equal("\0float\0"u8.ToArray(), blob[36..]);
    }
}
