using RawBpf.BtfCore;
using RawBpf.Tests.Shared;
using Xunit.Abstractions;

namespace RawBpf.Elf.Tests.Fuzz;

/// <summary>
/// <c>rawbpf btf dump</c> promises bpftool's output, so it accepts what bpftool 7.1 accepts: seeded mutants of
/// every object's raw .BTF go through bpftool (the oracle) and through <see cref="BtfFiles.Read"/> with
/// <see cref="BtfAcceptance.Bpftool"/> and <see cref="BtfDumper"/>; both refuse, or both print the same bytes.
/// </summary>
public sealed class BtfDumpDifferentialTests(FuzzCorpusFixture corpus, ITestOutputHelper output) : IClassFixture<FuzzCorpusFixture>
{
    /// <summary>What one side did with a file: null output for a refusal.</summary>
    public sealed record Outcome(byte[]? Dump, string Refusal);

    public static Outcome Bpftool(string path)
    {
        var result = ExternalTool.Run("bpftool", "btf", "dump", "file", path);
        return result.ExitCode == 0 ? new Outcome(result.StandardOutput, "") : new Outcome(null, result.StandardError.Trim());
    }

    public static Outcome RawBpf(string path)
    {
        try
        {
            using var btf = BtfFiles.Read(path, null, BtfAcceptance.Bpftool);
            using var dump = new MemoryStream();
            BtfDumper.Write(btf, dump);
            return new Outcome(dump.ToArray(), "");
        }
        catch (BtfFormatException e)
        {
            return new Outcome(null, e.Message);
        }
    }

    /// <summary>A difference in words, or null when both sides agree.</summary>
    public static string? Compare(Outcome expected, Outcome actual) => (expected.Dump, actual.Dump) switch
    {
        (null, null) => null,
        ({ } e, { } a) when e.AsSpan().SequenceEqual(a) => null,
        ({ }, { }) => "both dump, differently",
        (null, { }) => $"bpftool refuses ({expected.Refusal}), rawbpf dumps",
        ({ }, null) => $"bpftool dumps, rawbpf refuses ({actual.Refusal})",
    };

    [Fact]
    public void Mutated_btf_is_dumped_or_refused_as_bpftool_does()
    {
        const int Seed = 111;
        const int Mutants = 300;
        var inputs = corpus.Inputs.Where(i => i.Target == FuzzTarget.Btf).ToList();
        var directory = Directory.CreateTempSubdirectory("rawbpf-btf-differential-");
        try
        {
            var differences = new List<string>();
            int dumped = 0, refused = 0;
            for (var i = 0; i < Mutants; i++)
            {
                var (input, bytes) = MutationRunner.Produce(inputs, Seed, i);
                var path = Path.Combine(directory.FullName, $"{i}.btf");
                File.WriteAllBytes(path, bytes);
                var expected = Bpftool(path);
                if (Compare(expected, RawBpf(path)) is { } difference)
                    differences.Add($"seed {Seed}, mutant {i} of {input}: {difference}");
                else if (expected.Dump is null)
                    refused++;
                else
                    dumped++;
            }
            output.WriteLine($"{Mutants} mutants: {dumped} dumped by both, {refused} refused by both, {differences.Count} differ");
            Assert.True(differences.Count == 0, string.Join('\n', differences.Take(20)));
            // Both outcomes occur, or the sample says nothing about acceptance.
            Assert.InRange(dumped, 1, Mutants - 1);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
