using RawBpf.Elf.Tests;
using RawBpf.Loader.Objects;

namespace RawBpf.Loader.Tests;

/// <summary>
/// elf_features.bpf.o's static initialisers, filled at load as libbpf fills them: <c>outer</c> (an array of maps)
/// holds inner_a at 0 and inner_b at 2, <c>jump_table</c> (a prog array) holds tail_target at 1. From user space a
/// lookup in either gives the id of what the slot holds.
/// </summary>
public class MapSlotTests
{
    [Fact]
    public void MapInMapAndProgArraySlotsHoldWhatTheirInitialisersName()
    {
        using var obj = BpfObject.Open(TestObjects.Compile("elf_features.bpf.c"));
        obj.Load();

        var outer = obj.GetMap("outer");
        Assert.True(outer.TryLookup(0u, out uint atZero));
        Assert.Equal(obj.GetMap("inner_a").GetInfo().Id, atZero);
        Assert.False(outer.TryLookup(1u, out uint _));
        Assert.True(outer.TryLookup(2u, out uint atTwo));
        Assert.Equal(obj.GetMap("inner_b").GetInfo().Id, atTwo);

        var jumps = obj.GetMap("jump_table");
        Assert.False(jumps.TryLookup(0u, out uint _));
        Assert.True(jumps.TryLookup(1u, out uint program));
        Assert.Equal(obj.GetProgram("tail_target").GetInfo().Id, program);
    }

    [Fact]
    public void AProgArraySlotNamingAProgramThatIsNotLoadedFailsTheLoad()
    {
        using var obj = BpfObject.Open(TestObjects.Compile("elf_features.bpf.c"));
        obj.SetAutoload("tail_target", false);

        var e = Assert.Throws<BpfObjectLoadException>(() => obj.Load());
        Assert.Equal("object 'elf_features': prog array 'jump_table' names program 'tail_target', which is not loaded (autoload off?)", e.Message);
    }
}
