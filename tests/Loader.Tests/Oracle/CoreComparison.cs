using System.Runtime.InteropServices;
using RawBpf.BtfCore.Core;
using RawBpf.Elf;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests.Core;

/// <summary>The engine's results for an object next to what libbpf did with it.</summary>
internal sealed record CoreComparison(OracleRun Oracle, IReadOnlyList<CoreRelocationResult> Results, IReadOnlyList<CoreProgram> Programs, int InstructionsCompared)
{
    /// <summary>
    /// Relocates <paramref name="objectPath"/> with libbpf (the oracle) and with <see cref="CoreRelocator"/>
    /// against the same target (vmlinux, or <paramref name="targetBtfPath"/> alone), and asserts, relocation by
    /// relocation, the same local and target spec, the same value or poison at the same instruction, and the same
    /// final instruction bits as libbpf passed to the kernel.
    /// </summary>
    public static CoreComparison Run(string objectPath, string? targetBtfPath = null)
    {
        var oracle = LibbpfOracle.Load(objectPath, targetBtfPath);
        var file = new BpfObjectFile(objectPath);
        Btf[] targets = targetBtfPath is null ? [LibbpfOracle.Vmlinux] : [BtfFiles.Read(targetBtfPath)];
        var programs = oracle.Programs
            .Select(p => new CoreProgram(p.Name, p.SectionName, p.SectionInstructionOffset, file.Instructions(p.SectionName, p.SectionInstructionOffset, p.Size)))
            .ToArray();
        Assert.NotEmpty(programs);
        var original = programs.ToDictionary(p => p.Name, p => p.Instructions.ToArray());
        var results = new CoreRelocator(file.LocalBtf, file.Ext, targets).Apply(programs);

        Assert.Equal(oracle.CoreRelocationCount, results.Count);
        var compared = 0;
        foreach (var result in results)
        {
            var where = result.ToString();
            Assert.True(oracle.Relocations.TryGetValue((result.ProgramName!, result.RelocationIndex), out var libbpf), $"libbpf logged nothing for {where}");
            Assert.Equal(libbpf.LocalSpec, result.LocalSpec.ToString());
            Assert.Equal(libbpf.FirstMatchingCandidate, result.TargetSpec?.ToString());
            Assert.Equal(libbpf.MatchingCandidates, result.MatchingCandidates);
            if (libbpf.PoisonedInstructions.Count > 0)
            {
                Assert.True(result.Poisoned, $"libbpf poisoned {where}");
                Assert.Contains(result.InstructionIndex, libbpf.PoisonedInstructions);
            }
            else
            {
                Assert.False(result.Poisoned, $"libbpf did not poison {where}");
                Assert.Equal(libbpf.PatchedInstruction, result.InstructionIndex);
                Assert.Equal(libbpf.NewValue, result.NewValue);
                if (libbpf.NewMemorySize is { } size)
                    Assert.Equal(size, result.NewSize);
            }
            if (oracle.FinalInstructions.TryGetValue(result.ProgramName!, out var final))
            {
                var mine = programs.Single(p => p.Name == result.ProgramName).Instructions.Span;
                var index = result.InstructionIndex;
                Assert.Equal(final[index], mine[index]);
                compared++;
                if (original[result.ProgramName!][index].IsLoadImmediate64)
                {
                    Assert.Equal(final[index + 1], mine[index + 1]);
                    compared++;
                }
            }
        }
        return new CoreComparison(oracle, results, programs, compared);
    }
}
