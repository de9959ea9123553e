using RawBpf.BtfCore.Core;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests.Core;

/// <summary>
/// The one-pass candidate search CO-RE uses must give exactly what the essential-name index gives (same ids, same
/// order), and relocating must not build that index.
/// </summary>
public sealed class CoreCandidateSearchTests(SplitBtfFixture split) : IClassFixture<SplitBtfFixture>
{
    [Fact]
    public void One_pass_over_vmlinux_finds_what_the_name_index_finds_for_many_names_at_once()
    {
        using var vmlinux = BtfFiles.Read(BtfFiles.Vmlinux);
        // Hundreds of vmlinux's own named types as "local" roots, searched together: structs, unions, enums and
        // enum64s, typedefs, ints, fwds, one-letter names; plus a flavored name.
        var locals = Enumerable.Range(1, vmlinux.LastTypeId).Where(id => id % 397 == 0 || id < 40)
            .Select(vmlinux.GetType).Where(t => !t.NameBytes.IsEmpty).ToList();
        Assert.Contains(locals, t => t.IsEnum);
        Assert.Contains(locals, t => t.Kind == BtfKind.Struct);
        AssertSameAsIndex(vmlinux, locals, withBase: true);
    }

    [Fact]
    public void Split_btf_is_searched_with_or_without_its_base_like_the_name_index()
    {
        using var vmlinux = BtfFiles.Read(BtfFiles.Vmlinux);
        using var module = BtfFiles.Read(split.RawPath, vmlinux);
        var locals = Enumerable.Range(module.FirstTypeId, module.LastTypeId - module.FirstTypeId + 1)
            .Select(module.GetType).Where(t => !t.NameBytes.IsEmpty).ToList();
        locals.Add(vmlinux.GetType(vmlinux.FindTypeId("task_struct", BtfKind.Struct)));
        AssertSameAsIndex(module, locals, withBase: true);
        AssertSameAsIndex(module, locals, withBase: false);
    }

    [Fact]
    public void Relocating_leaves_the_target_without_a_name_index_and_a_name_lookup_builds_it()
    {
        using var vmlinux = BtfFiles.Read(BtfFiles.Vmlinux);
        var file = new BpfObjectFile(LibbpfOracle.BuiltObject("exitsnoop.bpf.o"));
        var cold = new List<CoreRelocationResult>();
        foreach (var section in file.Ext.CoreRelocations.Sections)
            cold.AddRange(new CoreRelocator(file.LocalBtf, file.Ext, [vmlinux]).ApplySection(section.SectionName, file.Instructions(section.SectionName)));
        Assert.NotEmpty(cold);
        Assert.False(vmlinux.HasNameIndex);

        Assert.True(vmlinux.FindByEssentialName("task_struct"u8).MoveNext());
        Assert.True(vmlinux.HasNameIndex);
        var warm = new List<CoreRelocationResult>();
        foreach (var section in file.Ext.CoreRelocations.Sections)
            warm.AddRange(new CoreRelocator(file.LocalBtf, file.Ext, [vmlinux]).ApplySection(section.SectionName, file.Instructions(section.SectionName)));
        Assert.Equal(cold.Select(r => r.ToString()), warm.Select(r => r.ToString()));
    }

    private static void AssertSameAsIndex(Btf target, List<BtfType> locals, bool withBase)
    {
        var search = new CoreCandidateSearch();
        var found = locals.Select(_ => new List<CoreCandidate>()).ToList();
        for (var i = 0; i < locals.Count; i++)
            search.Add(locals[i], found[i]);
        search.Search(target, withBase);
        var firstId = withBase ? 0 : target.FirstTypeId;
        for (var i = 0; i < locals.Count; i++)
        {
            var expected = new List<int>();
            foreach (var id in target.FindByEssentialName(locals[i].NameBytes))
            {
                if (id >= firstId && CoreTypeRules.KindsCompatible(target.GetType(id), locals[i]))
                    expected.Add(id);
            }
            Assert.True(expected.SequenceEqual(found[i].Select(c => c.TypeId)), $"[{locals[i].Id}] {locals[i].Kind} {locals[i].Name}");
            Assert.All(found[i], c => Assert.Same(target.GetType(c.TypeId).Btf, c.Btf));
        }
    }
}
