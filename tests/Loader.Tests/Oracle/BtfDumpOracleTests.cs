using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Tests.Shared;

namespace RawBpf.BtfCore.Tests;

/// <summary>The dumper against bpftool's raw dump (the oracle) for kernel, split and object BTF.</summary>
public sealed class BtfDumpOracleTests(SplitBtfFixture split) : IClassFixture<SplitBtfFixture>
{
    public static TheoryData<string> BpfObjects()
    {
        var data = new TheoryData<string>();
        foreach (var path in RepoPaths.AllBpfObjects())
            data.Add(Path.GetRelativePath(RepoPaths.BpfObjects, path));
        return data;
    }

    [Fact]
    public void Vmlinux_dump_equals_bpftool()
    {
        var expected = ExternalTool.RunChecked("bpftool", "btf", "dump", "file", BtfFiles.Vmlinux);
        using var btf = BtfFiles.Read(BtfFiles.Vmlinux);
        DumpAssert.SameBytes(expected, DumpAssert.Dump(btf), BtfFiles.Vmlinux);
        Assert.True(expected.Count(b => b == '\n') > 100_000);
    }

    [Theory]
    [MemberData(nameof(BpfObjects))]
    public void Object_dump_equals_bpftool(string relativePath)
    {
        var path = Path.Combine(RepoPaths.BpfObjects, relativePath);
        var expected = ExternalTool.RunChecked("bpftool", "btf", "dump", "file", path);
        using var btf = BtfFiles.Read(path);
        DumpAssert.SameBytes(expected, DumpAssert.Dump(btf), path);
        Assert.Equal(BtfDumper.ToText(btf), System.Text.Encoding.UTF8.GetString(expected));
    }

    [Fact]
    public void Split_btf_in_an_object_dumps_as_bpftool_does()
    {
        var expected = ExternalTool.RunChecked("bpftool", "-B", BtfFiles.Vmlinux, "btf", "dump", "file", split.ElfPath);
        using var vmlinux = BtfFiles.Read(BtfFiles.Vmlinux);
        using var btf = BtfFiles.Read(split.ElfPath, vmlinux);
        DumpAssert.SameBytes(expected, DumpAssert.Dump(btf), split.ElfPath);
        Assert.StartsWith($"[{vmlinux.LastTypeId + 1}] ", System.Text.Encoding.UTF8.GetString(expected));
    }

    [Fact]
    public void Raw_split_btf_dumps_as_bpftool_does()
    {
        var expected = ExternalTool.RunChecked("bpftool", "-B", BtfFiles.Vmlinux, "btf", "dump", "file", split.RawPath);
        using var vmlinux = BtfFiles.Read(BtfFiles.Vmlinux);
        using var btf = BtfFiles.Read(split.RawPath, vmlinux);
        DumpAssert.SameBytes(expected, DumpAssert.Dump(btf), split.RawPath);
    }
}
