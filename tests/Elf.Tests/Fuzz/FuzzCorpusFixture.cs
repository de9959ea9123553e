using RawBpf.BtfCore;
using RawBpf.Tests.Shared;

namespace RawBpf.Elf.Tests.Fuzz;

/// <summary>The running kernel's BTF (loaded once, its name index built once) and the corpus of real inputs.</summary>
public sealed class FuzzCorpusFixture
{
    public FuzzCorpusFixture()
    {
        Vmlinux = BtfFiles.Read(BtfFiles.Vmlinux);
        // Build the name index now, so no mutant pays for it (or is charged its allocations).
        foreach (var id in Vmlinux.FindByEssentialName("task_struct"u8))
            _ = id;
        Inputs = FuzzCorpus.Build(RepoPaths.AllBpfObjects(), Vmlinux);
    }

    public Btf Vmlinux { get; }
    public IReadOnlyList<FuzzInput> Inputs { get; }
}
