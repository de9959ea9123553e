using RawBpf.BtfCore;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests;

/// <summary>Lookups by name and essential name, and split BTF's continuation of ids and strings.</summary>
public sealed class LookupTests(SplitBtfFixture split) : IClassFixture<SplitBtfFixture>
{
    [Fact]
    public void Essential_name_lookup_finds_the_kernel_type_for_a_flavor()
    {
        using var btf = BtfFiles.Read(BtfFiles.Vmlinux);
        var expected = btf.FindTypeId("task_struct", BtfKind.Struct);
        var candidates = new List<int>();
        foreach (var id in btf.FindByEssentialName("task_struct___v2"u8))
            candidates.Add(id);
        Assert.Contains(expected, candidates);
        Assert.All(candidates, id => Assert.Equal("task_struct", btf.GetType(id).Name));
        // The index answers FindTypeId the same way the scan did before it was built.
        Assert.Equal(expected, btf.FindTypeId("task_struct", BtfKind.Struct));
        Assert.Equal(-1, btf.FindTypeId("task_struct___v2", BtfKind.Struct));
    }

    [Theory]
    [InlineData("task_struct___v2", "task_struct")]
    [InlineData("task_struct", "task_struct")]
    [InlineData("a___b___c", "a___b")]
    [InlineData("x____y", "x____y")]
    [InlineData("___x", "___x")]
    public void Essential_names_follow_libbpf(string name, string essential)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        Assert.Equal(essential, name[..BtfNames.EssentialNameLength(bytes)]);
    }

    [Fact]
    public void Split_btf_continues_base_ids_and_strings()
    {
        using var vmlinux = BtfFiles.Read(BtfFiles.Vmlinux);
        using var module = BtfFiles.Read(split.RawPath, vmlinux);
        Assert.Equal(vmlinux.LastTypeId + 1, module.FirstTypeId);
        Assert.Equal(vmlinux.StringsLength, module.FirstStringOffset);
        var thing = module.FindTypeId("rawbpf_split_thing", BtfKind.Struct);
        Assert.True(thing >= module.FirstTypeId);
        // A base type reached through the split BTF is the base's, by the same id.
        var taskStruct = module.FindTypeId("task_struct", BtfKind.Struct);
        Assert.Equal(vmlinux.FindTypeId("task_struct", BtfKind.Struct), taskStruct);
        Assert.Same(vmlinux, module.GetType(taskStruct).Btf);
        // Members point back into the base: task is a PTR to vmlinux's task_struct.
        var members = module.GetType(thing).Members;
        var task = members[0];
        Assert.Equal("task", task.Name);
        var pointer = module.GetType(task.TypeId);
        Assert.Equal(BtfKind.Ptr, pointer.Kind);
        Assert.Equal(taskStruct, pointer.TypeId);
        Assert.Equal((5u, 192u), (members[3].BitfieldSize, members[3].BitOffset));
        // The essential-name enumerator walks base candidates first, then the module's.
        var found = new List<int>();
        foreach (var id in module.FindByEssentialName("rawbpf_split_thing___flavor"u8))
            found.Add(id);
        Assert.Equal([thing], found);
        Assert.Equal(module.FindTypeId("rawbpf_thing_t", BtfKind.Typedef), module.FindTypeId("rawbpf_thing_t", BtfKind.Typedef));
        Assert.Equal(thing, module.SkipModifiersAndTypedefs(module.FindTypeId("rawbpf_thing_t", BtfKind.Typedef)).Id);
        Assert.Throws<BtfFormatException>(() => module.GetType(module.LastTypeId + 1));
        Assert.Throws<BtfFormatException>(() => module.GetStringBytes((uint)(module.FirstStringOffset + module.StringsLength)));
    }

    [Fact]
    public void Resolves_sizes_through_typedefs_and_arrays()
    {
        using var btf = BtfFiles.Read(BtfFiles.Vmlinux);
        Assert.Equal(btf.GetType(btf.FindTypeId("task_struct", BtfKind.Struct)).Size, (uint)btf.ResolveSize(btf.FindTypeId("task_struct", BtfKind.Struct)));
        Assert.Equal(4, btf.ResolveSize(btf.FindTypeId("pid_t", BtfKind.Typedef)));
    }
}
