using System.Buffers.Binary;
using RawBpf.BtfCore;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;
using static RawBpf.BtfCore.Tests.BtfBlobEdits;

namespace RawBpf.BtfCore.Tests;

/// <summary>Malformed BTF, BTF.ext and ELF: exactly one BtfFormatException naming section and offset, nothing else.</summary>
public sealed class BadInputTests
{
    [Fact]
    public void Every_truncation_is_rejected()
    {
        for (var length = 0; length < EveryKind.Length; length++)
            Rejects(EveryKind[..length]);
    }

    [Fact]
    public void Wrong_magic_and_version()
    {
        Assert.Contains("bad magic 0x1234", Rejects(With(EveryKind, 0, 0x01_00_1234)).Message);
        var bigEndian = EveryKind.ToArray();
        (bigEndian[0], bigEndian[1]) = (0xeb, 0x9f);
        Assert.Contains("big-endian", Rejects(bigEndian).Message);
        var version = EveryKind.ToArray();
        version[2] = 2;
        Assert.Equal(2, Rejects(version).Offset);
    }

    [Theory]
    [InlineData(4, 0xffffffff)]   // hdr_len
    [InlineData(4, 8)]
    [InlineData(8, 0xfffffff0)]   // type_off
    [InlineData(12, 0xfffffff0)]  // type_len
    [InlineData(16, 0xfffffff0)]  // str_off
    [InlineData(20, 0xfffffff0)]  // str_len
    [InlineData(8, 2)]            // type_off unaligned
    [InlineData(16, 4)]           // strings overlap types
    public void Header_offsets_out_of_range(int field, uint value)
    {
        var e = Rejects(With(EveryKind, field, value));
        Assert.InRange(e.Offset, 0, 24);
    }

    [Fact]
    public void Name_offset_past_the_strings_is_reported_when_read()
    {
        var e = Rejects(With(EveryKind, TypeOffset(4), 0x7fff_0000));
        Assert.Contains("string offset", e.Message);
    }

    [Theory]
    [InlineData(0xffff)]
    [InlineData(0x1000)]
    public void Huge_vlen_is_rejected_at_parse_time(uint vlen)
    {
        var at = TypeOffset(4) + 4;
        var info = BinaryPrimitives.ReadUInt32LittleEndian(EveryKind.AsSpan(at));
        var e = Rejects(With(EveryKind, at, (info & 0xffff0000) | vlen));
        Assert.Equal(TypeOffset(4), e.Offset);
        Assert.Contains("vlen", e.Message);
    }

    [Fact]
    public void Unknown_kind_is_rejected()
    {
        var at = TypeOffset(2) + 4;
        var e = Rejects(With(EveryKind, at, 25u << 24));
        Assert.Contains("unknown kind 25", e.Message);
    }

    [Fact]
    public void Type_ids_out_of_range_are_reported_by_the_accessor_that_follows_them()
    {
        var btf = Btf.Parse(With(EveryKind, TypeOffset(8) + 8, 1000));   // typedef t -> [1000]
        var e = Assert.Throws<BtfFormatException>(() => btf.SkipModifiersAndTypedefs(8));
        Assert.Contains("type id 1000", e.Message);
        Assert.Throws<BtfFormatException>(() => btf.GetType(-1));
        Assert.Throws<BtfFormatException>(() => btf.GetType(int.MaxValue));
    }

    [Fact]
    public void A_typedef_pointing_at_itself_is_a_cycle()
    {
        var btf = Btf.Parse(With(EveryKind, TypeOffset(8) + 8, 8));      // typedef t -> t
        Assert.Contains("refers to itself", Assert.Throws<BtfFormatException>(() => btf.SkipModifiersAndTypedefs(8)).Message);
        Assert.Throws<BtfFormatException>(() => btf.ResolveSize(8));
        var modifiers = Btf.Parse(With(EveryKind, TypeOffset(9) + 8, 10)); // volatile -> const -> volatile
        Assert.Throws<BtfFormatException>(() => modifiers.SkipModifiers(10));
        Assert.Throws<BtfFormatException>(() => modifiers.ResolveSize(9));
        BtfDumper.Write(modifiers, Stream.Null);   // the dump follows no reference, so a cycle does not stop it
    }

    [Fact]
    public void Array_sizes_that_overflow_are_format_errors()
    {
        var b = new BtfWriter();
        var i64 = b.AddInt("long", 8, 64, BtfIntEncoding.Signed);
        var array = b.AddArray(i64, i64, 0xffffffff);
        b.AddArray(array, i64, 0xffffffff);
        var btf = Btf.Parse(b.ToArray());
        Assert.Throws<BtfFormatException>(() => btf.ResolveSize(2));
        Assert.Throws<BtfFormatException>(() => btf.ResolveSize(3));
    }

    [Fact]
    public void Bad_btf_ext_headers_and_counts()
    {
        var btf = Btf.Parse(EveryKind);
        var ext = new byte[32 + 4 + 8 + 8];
        BinaryPrimitives.WriteUInt16LittleEndian(ext, 0xEB9F);
        ext[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(4), 32);
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(8), 0);     // func_info_off
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(12), 20);   // func_info_len
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(32), 8);    // rec_size
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(36), btf.GetType(13).NameOffset); // sec_name_off
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(40), 1);    // num_info
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(48), 13);   // type_id
        var good = BtfExt.Parse(ext, btf);
        Assert.Equal(13, good.FuncInfo.Sections[0].GetFuncInfo(0).TypeId);

        BtfFormatException Bad(int field, uint value) =>
            Assert.Throws<BtfFormatException>(() => BtfWalker.Walk(BtfExt.Parse(With(ext, field, value), btf), btf));
        Assert.Contains("num_info", Bad(40, 0x4000_0000).Message.Replace("records", "num_info", StringComparison.Ordinal));
        Assert.Equal(32, Bad(32, 0x10_0000).Offset);                    // record size huge
        Assert.Equal(32, Bad(32, 4).Offset);                            // record size too small
        Assert.Equal(8, Bad(8, 0xffff_fff0).Offset);                    // func_info_off out of range
        Assert.Equal(8, Bad(12, 0xffff_fff0).Offset);                   // func_info_len out of range
        Assert.Equal(4, Bad(4, 0xffff).Offset);                         // hdr_len
        Assert.Equal(36, Bad(36, 0xffff).Offset);                       // section name past the strings
        Assert.Equal(40, Bad(40, 0).Offset);                            // num_info 0
        Assert.Contains("type id 9999", Bad(48, 9999).Message);         // func_info's type read through GetType
        Assert.Equal(0, Bad(0, 0x1234).Offset);
        Assert.StartsWith(".BTF.ext: ", Bad(0, 0x1234).Message);
        for (var length = 0; length < ext.Length; length++)
        {
            if (length is not 32 and not 52)
                Assert.Throws<BtfFormatException>(() => BtfExt.Parse(ext.AsMemory(0, length), btf));
        }
    }

    [Fact]
    public void An_elf_file_is_left_to_the_elf_layer()
    {
        var path = RepoPaths.AllBpfObjects()[0];
        var e = Assert.Throws<BtfFormatException>(() => BtfFile.Parse(File.ReadAllBytes(path), path));
        Assert.Equal($"{path}: an ELF file, not raw BTF: its .BTF section is read by RawBpf.Elf.ElfBtfFile (at offset 0)", e.Message);
    }

    // ---- issue 11: special files, a read bounded by the header, bpftool's acceptance ---------------------

    [Fact]
    public void Raw_btf_is_read_only_as_far_as_its_header_declares()
    {
        var path = TempFile("trailing.btf", [.. EveryKind, .. new byte[1 << 20]]);
        try
        {
            using var btf = BtfFiles.Read(path);
            Assert.Equal(EveryKind.Length, btf.RawData.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_header_declaring_more_than_the_file_is_refused_before_reading()
    {
        var path = TempFile("short.btf", With(EveryKind, 20, 0x7fff_0000));   // str_len
        try
        {
            var e = Assert.Throws<BtfFormatException>(() => BtfFiles.Read(path));
            Assert.Contains($"the BTF header declares {24L + BinaryPrimitives.ReadUInt32LittleEndian(EveryKind.AsSpan(16)) + 0x7fff_0000} bytes, the file has {EveryKind.Length}", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Found on arm64 CI (Btf target, seed 103, mutant 6994): a member at bit offset 2^31 - 1 made the C writer
    /// print 33 million "long: 64;" lines (738 MB) for a 1.7 KB BTF. Past a page of padding the gap is one array.
    /// </summary>
    [Fact]
    public void A_member_far_past_the_last_one_is_padded_by_one_array_not_millions_of_lines()
    {
        var b = new BtfWriter();
        var i64 = b.AddInt("long", 8, 64, BtfIntEncoding.Signed);
        b.AddStruct("far", 0x0fff_fff0, [new("first", i64, 0), new("last", i64, 0x0fff_ffe8u * 8)]);
        b.AddStruct("near", 4096 + 16, [new("first", i64, 0), new("last", i64, (4096 + 8) * 8)]);
        var header = BtfCDumper.ToText(Btf.Parse(b.ToArray()));
        Assert.Contains("\tchar __padding_at_8[268435424];\n\tlong last;\n};", header);
        Assert.True(header.Length < 20_000, $"{header.Length} characters");
        // A page of padding is still written as libbpf writes it, a line per long.
        var near = header[header.IndexOf("struct near {", StringComparison.Ordinal)..];
        Assert.Equal(512, near.Split("long: 64;").Length - 1);
    }

    /// <summary>
    /// Anonymous structs that each hold the next one twice, 40 levels deep: libbpf (and bpftool) walk and print an
    /// anonymous type in full at every use, 2^40 times here. The writer stops at its work or output limit.
    /// </summary>
    [Fact]
    public void Anonymous_types_nested_to_double_the_header_each_level_are_refused_not_printed()
    {
        var b = new BtfWriter();
        var i32 = b.AddInt("int", 4, 32, BtfIntEncoding.Signed);
        var inner = b.AddStruct("", 4, [new("x", i32, 0)]);
        for (var depth = 0; depth < 40; depth++)
            inner = b.AddStruct("", 8, [new("a", inner, 0), new("b", inner, 32)]);
        b.AddStruct("top", 8, [new("t", inner, 0)]);
        var e = Assert.Throws<BtfFormatException>(() => BtfCDumper.Write(Btf.Parse(b.ToArray()), Stream.Null));
        Assert.Contains("anonymous types nested this deep", e.Message);
        Assert.Contains($"more than {(4 << 20) + (64 * 44)} type visits for 43 types", e.Message);

        // 20 levels walk little but print 2^20 copies: the output limit stops that one.
        b = new BtfWriter();
        i32 = b.AddInt("int", 4, 32, BtfIntEncoding.Signed);
        inner = b.AddStruct("", 4, [new("x", i32, 0)]);
        for (var depth = 0; depth < 20; depth++)
            inner = b.AddStruct("", 8, [new("a", inner, 0), new("b", inner, 32)]);
        b.AddStruct("top", 8, [new("t", inner, 0)]);
        e = Assert.Throws<BtfFormatException>(() => BtfCDumper.Write(Btf.Parse(b.ToArray()), Stream.Null));
        Assert.Contains($"grows past {(16 << 20) + (64 * b.ToArray().Length)} bytes", e.Message);
    }

    /// <summary>
    /// Found by cli-fuzz.py's format c differential: a struct member whose type is a FWD has no alignment. libbpf's
    /// btf__align_of returns 0 for it (errno EINVAL), so the struct is not packed; a negative errno made it packed.
    /// </summary>
    [Fact]
    public void A_member_of_forward_declared_type_does_not_make_its_struct_packed()
    {
        var b = new BtfWriter();
        var fwd = b.AddFwd("seq_file", isUnion: false);
        var pointer = b.AddPtr(fwd);
        b.AddStruct("meta", 24, [new("seq", pointer, 0), new("session_id", fwd, 64), new("seq_num", fwd, 128)]);
        var blob = b.ToArray();
        Assert.Contains("struct meta {\n\tstruct seq_file *seq;\n\tstruct seq_file session_id;\n\tlong: 64;\n\tstruct seq_file seq_num;\n\tlong: 64;\n};\n", BtfCDumper.ToText(Btf.Parse(blob)));
    }
}
