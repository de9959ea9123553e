using RawBpf.BtfCore;
using RawBpf.Tests.Shared;
using Xunit.Abstractions;

namespace RawBpf.Elf.Tests.Fuzz;

/// <summary>
/// A bounded, seeded mutation run over every clang-built object, their .BTF and .BTF.ext, and a split slice of
/// the kernel's BTF, each mutant sent through the whole pure pipeline (<see cref="FuzzPipeline"/>) under a
/// watchdog. Only the typed parse errors may escape; a crash, a broken invariant, an allocation bomb or a hang
/// fails with the seed and mutant index that reproduce it (<see cref="MutationRunner.Produce"/>).
/// </summary>
public sealed class PipelineMutationTests(FuzzCorpusFixture corpus, ITestOutputHelper output) : IClassFixture<FuzzCorpusFixture>
{
    /// <summary>No time budget: the same mutants run on every machine (about 10 s in all in Release on 2 cores, 30-40 s in Debug).</summary>
    private static readonly TimeSpan NoBudget = TimeSpan.MaxValue;

    /// <summary>Generous: a real pipeline run takes milliseconds; a hang never ends.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public void Corpus_holds_every_object_and_its_btf()
    {
        var objects = RepoPaths.AllBpfObjects().Count;
        Assert.True(objects >= 8, $"only {objects} objects were built");
        Assert.Equal(objects, corpus.Inputs.Count(i => i.Target == FuzzTarget.Elf));
        Assert.Equal(objects, corpus.Inputs.Count(i => i.Target == FuzzTarget.Btf));
        Assert.Contains(corpus.Inputs, i => i.Target == FuzzTarget.BtfExt);
        var kernel = Assert.Single(corpus.Inputs, i => i.Target == FuzzTarget.KernelBtf);
        // Unmutated, every input goes through without a single refusal.
        foreach (var input in corpus.Inputs)
            Assert.True(FuzzPipeline.Run(input.Target, input.Bytes, corpus.Vmlinux, input.Context) == 0, $"{input} is refused unmutated");
        Assert.Equal(400, Btf.Parse(kernel.Bytes, corpus.Vmlinux).LastTypeId - corpus.Vmlinux.LastTypeId);
    }

    [Theory]
    [InlineData(FuzzTarget.Elf, 101, 4000)]
    [InlineData(FuzzTarget.Core, 102, 8000)]
    [InlineData(FuzzTarget.Btf, 103, 8000)]
    [InlineData(FuzzTarget.BtfExt, 104, 8000)]
    [InlineData(FuzzTarget.KernelBtf, 105, 2500)]
    public void Mutants_raise_only_typed_errors(FuzzTarget target, int seed, int mutants)
    {
        var inputs = corpus.Inputs.Where(i => i.Target == target).ToList();
        var report = MutationRunner.Run(inputs, corpus.Vmlinux, seed, mutants, NoBudget, HangLimit);
        output.WriteLine($"{target}: {inputs.Count} inputs, {report}");
        if (report.Failure is not null)
        {
            var path = Path.Combine(Path.GetTempPath(), $"rawbpf-fuzz-{target}-{seed}.bin");
            File.WriteAllBytes(path, report.FailingInput ?? []);
            Assert.Fail($"{report.Failure}\nmutant written to {path}");
        }
        Assert.Equal(mutants, report.Mutants);
        // Both outcomes occur, or the mutations never reach past the parser (or never break anything).
        Assert.InRange(report.Refused, 1, report.Mutants - 1);
    }

    [Fact]
    public void A_mutant_is_reproduced_from_its_seed_and_index()
    {
        var (input, bytes) = MutationRunner.Produce(corpus.Inputs, 7, 42);
        var (again, bytesAgain) = MutationRunner.Produce(corpus.Inputs, 7, 42);
        Assert.Same(input, again);
        Assert.Equal(bytes, bytesAgain);
    }
}
