using System.Buffers.Binary;
using RawBpf.BtfCore;
using RawBpf.Tests.Shared;

namespace RawBpf.BtfCore.Tests;

/// <summary>
/// Bounded, deterministic mutation of real blobs (the objects' .BTF/.BTF.ext, the synthetic every-kind BTF, the
/// split BTF's ELF wrapper): flipped bytes, truncations, huge counts. Parsing then walking everything may fail
/// only with BtfFormatException: never IndexOutOfRange, ArgumentOutOfRange, NullReference, OutOfMemory or a hang.
/// </summary>
public sealed class MutationTests(ExtProbeFixture probe) : IClassFixture<ExtProbeFixture>
{
    private const int Iterations = 5000;

    private static readonly uint[] Interesting = [0, 1, 0xff, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff_fff0, 0x10_0000];

    private static byte[] Mutate(byte[] original, Random random)
    {
        var data = original.ToArray();
        switch (random.Next(4))
        {
            case 0:
                for (var flips = random.Next(1, 5); flips > 0; flips--)
                    data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                return data;
            case 1:
                return data[..random.Next(data.Length)];
            case 2:
                // A header field or a count: early words are the headers, so favour them.
                var at = (random.Next(2) == 0 ? random.Next(Math.Min(64, data.Length)) : random.Next(data.Length)) & ~3;
                if (at + 4 <= data.Length)
                    BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(at), Interesting[random.Next(Interesting.Length)]);
                return data;
            default:
                data[random.Next(data.Length)] = (byte)random.Next(256);
                return data;
        }
    }

    /// <summary>Runs one mutant; true when it was accepted and walked, false when refused with BtfFormatException.</summary>
    private static bool OnlyFormatErrors(string what, int seed, int iteration, Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception e) when (e is BtfFormatException or RawBpf.Elf.ElfFormatException)
        {
            Assert.False(string.IsNullOrEmpty(e.Message));
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}, seed {seed}, iteration {iteration}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            return false;
        }
    }

    /// <summary>Both outcomes must occur, or the mutations never reach the walk (or never break anything).</summary>
    private static void BothOutcomes(string what, int accepted, int total)
    {
        Assert.True(accepted > 0, $"{what}: no mutant was accepted");
        Assert.True(accepted < total, $"{what}: every mutant was accepted");
    }

    public static TheoryData<string> ObjectsWithBtf()
    {
        var data = new TheoryData<string>();
        foreach (var path in RepoPaths.AllBpfObjects())
            data.Add(Path.GetRelativePath(RepoPaths.BpfObjects, path));
        return data;
    }

    [Theory]
    [MemberData(nameof(ObjectsWithBtf))]
    public void Mutated_object_btf(string relativePath)
    {
        var elf = File.ReadAllBytes(Path.Combine(RepoPaths.BpfObjects, relativePath));
        MutateBtf(relativePath, ElfBtfFile.Section(elf, ".BTF", relativePath).ToArray(), seed: 1);
    }

    [Fact]
    public void Mutated_synthetic_btf() => MutateBtf("every kind", SyntheticBtf.EveryKind().ToArray(), seed: 2);

    [Fact]
    public void Mutated_probe_btf() => MutateBtf("ext_probe .BTF", probe.Btf.RawData.ToArray(), seed: 3);

    [Fact]
    public void Mutated_probe_btf_ext()
    {
        var ext = ElfBtfFile.Section(probe.Bytes, ".BTF.ext", probe.ObjectPath).ToArray();
        var random = new Random(4);
        var accepted = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var mutated = Mutate(ext, random);
            if (OnlyFormatErrors("ext_probe .BTF.ext", 4, i, () => BtfWalker.Walk(BtfExt.Parse(mutated, probe.Btf), probe.Btf)))
                accepted++;
        }
        BothOutcomes(".BTF.ext", accepted, Iterations);
    }

    [Fact]
    public void Mutated_elf_wrapper()
    {
        var random = new Random(5);
        var accepted = 0;
        for (var i = 0; i < Iterations / 5; i++)
        {
            var mutated = Mutate(probe.Bytes, random);
            accepted += OnlyFormatErrors("ext_probe ELF", 5, i, () =>
            {
                var btf = Btf.Parse(ElfBtfFile.Section(mutated, ".BTF", "mutated.o"));
                BtfWalker.Walk(btf);
                BtfWalker.Walk(BtfExt.Parse(ElfBtfFile.Section(mutated, ".BTF.ext", "mutated.o"), btf), btf);
            }) ? 1 : 0;
        }
        BothOutcomes("ELF", accepted, Iterations / 5);
    }

    private static void MutateBtf(string what, byte[] blob, int seed)
    {
        BtfWalker.Walk(Btf.Parse(blob));
        var random = new Random(seed);
        var accepted = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var mutated = Mutate(blob, random);
            if (OnlyFormatErrors(what, seed, i, () => BtfWalker.Walk(Btf.Parse(mutated))))
                accepted++;
        }
        BothOutcomes(what, accepted, Iterations);
    }
}
