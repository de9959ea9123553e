using System.Buffers;
using RawBpf.BtfCore;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests;

/// <summary>The C-header writer against <c>bpftool btf dump file F format c</c> (the oracle), byte for byte.</summary>
public sealed class BtfCDumperOracleTests(SplitBtfFixture split) : IClassFixture<SplitBtfFixture>
{
    private static readonly string KindsSource = Path.Combine(AppContext.BaseDirectory, "TestData", "c_dump_kinds.bpf.c");

    public static TheoryData<string> BpfObjects() => BtfDumpOracleTests.BpfObjects();

    private static byte[] Header(Btf btf)
    {
        var buffer = new ArrayBufferWriter<byte>();
        BtfCDumper.Write(btf, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Bpftool(string path, string? basePath = null) =>
        basePath is null
            ? ExternalTool.RunChecked("bpftool", "btf", "dump", "file", path, "format", "c")
            : ExternalTool.RunChecked("bpftool", "-B", basePath, "btf", "dump", "file", path, "format", "c");

    [Fact]
    public void Vmlinux_header_equals_bpftool()
    {
        var expected = Bpftool(BtfFiles.Vmlinux);
        using var btf = BtfFiles.Read(BtfFiles.Vmlinux);
        var actual = Header(btf);
        DumpAssert.SameBytes(expected, actual, BtfFiles.Vmlinux);
        Assert.True(expected.Count(b => b == '\n') > 100_000);
    }

    [Fact]
    public void Vmlinux_header_to_stream_equals_header_to_buffer_writer()
    {
        using var btf = BtfFiles.Read(BtfFiles.Vmlinux);
        using var stream = new MemoryStream();
        BtfCDumper.Write(btf, stream);
        Assert.True(stream.ToArray().AsSpan().SequenceEqual(Header(btf)));
    }

    [Theory]
    [MemberData(nameof(BpfObjects))]
    public void Object_header_equals_bpftool(string relativePath)
    {
        var path = Path.Combine(RepoPaths.BpfObjects, relativePath);
        using var btf = BtfFiles.Read(path, acceptance: BtfAcceptance.Bpftool);
        DumpAssert.SameBytes(Bpftool(path), Header(btf), path);
    }

    [Theory]
    // clang 14 has no ENUM64: it truncates the 64-bit enumerator into a 32-bit ENUM.
    [InlineData("clang", "\tRAWBPF_WIDE_NEG = 3703216247,")]
    [InlineData("clang-16", "\tRAWBPF_WIDE_NEG = -4886718345LL,")]
    public void Every_construct_clang_encodes_for_bpf_equals_bpftool(string compiler, string wideEnumerator)
    {
        var directory = Directory.CreateTempSubdirectory("rawbpf-btfc-").FullName;
        try
        {
            var objectPath = Path.Combine(directory, "c_dump_kinds.bpf.o");
            ExternalTool.RunChecked(compiler, "-g", "-O2", "--target=bpf", "-c", KindsSource, "-o", objectPath);
            using var btf = BtfFiles.Read(objectPath);
            var actual = Header(btf);
            DumpAssert.SameBytes(Bpftool(objectPath), actual, $"{compiler}: {objectPath}");
            var text = System.Text.Encoding.UTF8.GetString(actual);
            // The constructs the source exists for, as bpftool prints them.
            Assert.Contains("\tlong: 22;\n\tunsigned long long wide: 40;", text, StringComparison.Ordinal);
            Assert.Contains("} __attribute__((packed));", text, StringComparison.Ordinal);
            Assert.Contains(wideEnumerator, text, StringComparison.Ordinal);
            Assert.Contains("typedef int (* (*rawbpf_returns_fn_t)(int))(long);", text, StringComparison.Ordinal);
            Assert.Contains("int __attribute__((btf_type_tag(\"percpu\"))) * __attribute__((btf_type_tag(\"rcu\"))) *tagged_twice;", text, StringComparison.Ordinal);
            Assert.Contains("struct rawbpf_cycle_b;\n\nstruct rawbpf_cycle_a {", text, StringComparison.Ordinal);
            Assert.Contains("struct rawbpf_empty {};", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Host_object_encoded_by_pahole_equals_bpftool()
    {
        var directory = Directory.CreateTempSubdirectory("rawbpf-btfc-").FullName;
        try
        {
            var objectPath = Path.Combine(directory, "c_dump_kinds.o");
            ExternalTool.RunChecked("clang", "-g", "-O1", "-c", KindsSource, "-o", objectPath);
            ExternalTool.RunChecked("pahole", "-J", objectPath);
            using var btf = BtfFiles.Read(objectPath);
            DumpAssert.SameBytes(Bpftool(objectPath), Header(btf), objectPath);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Split_btf_header_holds_the_base_types_too_as_bpftool_writes_it()
    {
        using var vmlinux = BtfFiles.Read(BtfFiles.Vmlinux);
        using var btf = BtfFiles.Read(split.RawPath, vmlinux);
        var actual = Header(btf);
        DumpAssert.SameBytes(Bpftool(split.RawPath, BtfFiles.Vmlinux), actual, split.RawPath);
        var text = System.Text.Encoding.UTF8.GetString(actual);
        Assert.Contains("struct task_struct {", text, StringComparison.Ordinal);
        Assert.Contains("typedef struct rawbpf_split_thing rawbpf_thing_t;", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_names_get_numbered_suffixes_as_bpftool_gives_them()
    {
        var b = new BtfWriter();
        var i32 = b.AddInt("int", 4, 32, BtfIntEncoding.Signed);
        var longName = new string('n', 260);
        b.AddStruct("dup", 4, [new("first", i32, 0)]);
        b.AddStruct("dup", 8, [new("first", i32, 0), new("second", i32, 32)]);
        b.AddUnion("dup", 4, [new("third", i32, 0)]);
        b.AddFwd("dup", isUnion: false);
        b.AddTypedef("dup_t", i32);
        b.AddTypedef("dup_t", b.AddPtr(i32));
        b.AddEnum("dup_e", 4, isSigned: false, [("DUP_A", 1), ("DUP_B", 2)]);
        b.AddEnum("dup_e", 4, isSigned: true, [("DUP_A", -1), ("dup_t", 3)]);
        b.AddEnum("dup_empty", 4, isSigned: false, []);
        b.AddEnum("dup_empty", 4, isSigned: false, []);
        b.AddStruct(longName, 4, [new("x", i32, 0)]);
        b.AddStruct(longName, 4, [new("y", i32, 0)]);
        var (expected, actual) = DumpBoth(b);
        DumpAssert.SameBytes(expected, actual, "duplicate names");
        var text = System.Text.Encoding.UTF8.GetString(actual);
        Assert.Contains("struct dup___2 {", text, StringComparison.Ordinal);
        Assert.Contains("union dup___3 {", text, StringComparison.Ordinal);
        Assert.Contains("\tDUP_A___2 = -1,", text, StringComparison.Ordinal);
        Assert.Contains("typedef int *dup_t___2;", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Padding_of_random_layouts_equals_bpftool()
    {
        // Members of assorted sizes at random gaps, some bitfields, some packed: every branch of the padding logic.
        var random = new Random(14);
        var b = new BtfWriter();
        var ints = new[]
        {
            b.AddInt("char", 1, 8, BtfIntEncoding.Signed), b.AddInt("short", 2, 16, BtfIntEncoding.Signed),
            b.AddInt("int", 4, 32, BtfIntEncoding.Signed), b.AddInt("long", 8, 64, BtfIntEncoding.Signed),
        };
        var sizes = new uint[] { 1, 2, 4, 8 };
        for (var s = 0; s < 300; s++)
        {
            var members = new List<BtfWriterMember>();
            uint offset = 0;
            for (var m = random.Next(1, 7); m > 0; m--)
            {
                var kind = random.Next(ints.Length);
                var bitfield = random.Next(4) == 0 ? (uint)random.Next(1, (int)sizes[kind] * 8) : 0;
                offset += bitfield != 0 ? (uint)random.Next(0, 20) : (uint)random.Next(0, 3) * sizes[random.Next(kind + 1)] * 8;
                members.Add(new($"m{m}", ints[kind], offset, bitfield));
                offset += bitfield != 0 ? bitfield : sizes[kind] * 8;
            }
            var size = ((offset + 7) / 8) + (uint)random.Next(0, 12);
            if (random.Next(2) == 0)
                b.AddStruct($"s{s}", size, members.ToArray());
            else
                b.AddUnion($"u{s}", size, members.Select(member => member with { BitOffset = 0 }).ToArray());
        }
        var (expected, actual) = DumpBoth(b);
        DumpAssert.SameBytes(expected, actual, "random layouts");
    }

    [Fact]
    public void Synthetic_btf_of_every_kind_equals_bpftool()
    {
        var (expected, actual) = DumpBoth(SyntheticBtf.EveryKind());
        DumpAssert.SameBytes(expected, actual, "every kind");
    }

    [Fact]
    public void Struct_embedding_itself_is_a_format_error()
    {
        var b = new BtfWriter();
        var i32 = b.AddInt("int", 4, 32, BtfIntEncoding.Signed);
        var first = b.AddStruct("a", 8, [new("x", i32, 0), new("b", i32, 32)]);
        var second = b.AddStruct("b", 8, [new("a", first, 0)]);
        b.SetMember(first, 1, b.AddString("b"), second, 32);
        using var btf = Btf.Parse(b.ToArray());
        var error = Assert.Throws<BtfFormatException>(() => Header(btf));
        Assert.Contains("unsatisfiable type cycle through type [2]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Modifier_referring_to_itself_is_a_format_error_not_a_stack_overflow()
    {
        var b = new BtfWriter();
        var i32 = b.AddInt("int", 4, 32, BtfIntEncoding.Signed);
        var constant = b.AddConst(i32);
        b.SetSizeOrType(constant, (uint)constant);
        b.AddTypedef("loop_t", constant);
        using var btf = Btf.Parse(b.ToArray());
        var error = Assert.Throws<BtfFormatException>(() => Header(btf));
        Assert.Contains("a reference cycle", error.Message, StringComparison.Ordinal);
    }

    /// <summary>bpftool's header of <paramref name="writer"/>'s BTF (from a raw file) and ours.</summary>
    private static (byte[] Expected, byte[] Actual) DumpBoth(BtfWriter writer)
    {
        var bytes = writer.ToArray();
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, bytes);
            using var btf = Btf.Parse(bytes);
            return (Bpftool(path), Header(btf));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
