using System.Diagnostics;
using RawBpf.BtfCore;

namespace RawBpf.Elf.Tests.Fuzz;

/// <summary>What a run found: how many mutants, how many were refused somewhere, and the first bug (null if none).</summary>
public sealed record MutationReport(int Mutants, int Refused, TimeSpan Elapsed, string? Failure, byte[]? FailingInput)
{
    public override string ToString() =>
        $"{Mutants} mutants ({Refused} refused somewhere) in {Elapsed.TotalSeconds:F1} s, {Mutants / Math.Max(Elapsed.TotalSeconds, 1e-3):F0}/s"
        + (Failure is null ? "" : $"; FAILED: {Failure}");
}

/// <summary>
/// Runs seeded mutants through <see cref="FuzzPipeline"/> on a worker thread under a watchdog. Mutant
/// <c>i</c> of a run with seed <c>s</c> comes from <c>new Random(s * 1_000_003 + i)</c> alone, so one failing
/// mutant is reproduced from its seed and index without replaying the others. A mutant that runs longer than
/// the limit is a hang, one that allocates far more than its size an allocation bomb: both fail like a crash.
/// </summary>
public static class MutationRunner
{
    public static int MutantSeed(int seed, int index) => unchecked(seed * 1_000_003 + index);

    /// <summary>The mutant a run produces at <paramref name="index"/>, and which input it came from.</summary>
    public static (FuzzInput Input, byte[] Bytes) Produce(IReadOnlyList<FuzzInput> inputs, int seed, int index)
    {
        var random = new Random(MutantSeed(seed, index));
        var input = inputs[random.Next(inputs.Count)];
        // Splices may take bytes from another real input of the same kind.
        return (input, FuzzMutator.Mutate(input, random, inputs.Where(i => i.Target == input.Target).ToList()));
    }

    /// <summary>
    /// Mutates <paramref name="inputs"/> until <paramref name="maxMutants"/> ran or <paramref name="budget"/> passed
    /// (the first that comes; whole mutants only), stopping at the first failure.
    /// </summary>
    public static MutationReport Run(IReadOnlyList<FuzzInput> inputs, Btf vmlinux, int seed, int maxMutants, TimeSpan budget, TimeSpan hangLimit)
    {
        var started = Stopwatch.GetTimestamp();
        long mutantStarted = 0;
        var current = -1;
        var mutants = 0;
        var refused = 0;
        string? failure = null;
        byte[]? failingInput = null;
        FuzzInput? currentInput = null;
        byte[]? currentBytes = null;
        var worker = new Thread(() =>
        {
            for (var i = 0; i < maxMutants && Stopwatch.GetElapsedTime(started) < budget; i++)
            {
                var (input, bytes) = Produce(inputs, seed, i);
                currentInput = input;
                currentBytes = bytes;
                Volatile.Write(ref current, i);
                Volatile.Write(ref mutantStarted, Stopwatch.GetTimestamp());
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    refused += FuzzPipeline.Run(input.Target, bytes, vmlinux, input.Context) > 0 ? 1 : 0;
                    var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
                    if (used > AllocationLimit(bytes.Length))
                        throw new FuzzInvariantException($"allocated {used >> 20} MiB for a {bytes.Length}-byte input");
                }
                catch (Exception e)
                {
                    failure = $"seed {seed}, mutant {i} of {input}: {e.GetType().Name}: {e.Message}\n{e}";
                    failingInput = bytes;
                    break;
                }
                finally
                {
                    Volatile.Write(ref mutantStarted, 0);
                }
                mutants++;
            }
        })
        { IsBackground = true, Name = "fuzz worker" };
        worker.Start();
        while (!worker.Join(50))
        {
            var since = Volatile.Read(ref mutantStarted);
            if (since != 0 && Stopwatch.GetElapsedTime(since) > hangLimit)
            {
                // The worker is abandoned (a background thread): the failure names the mutant to reproduce it.
                return new MutationReport(mutants, refused, Stopwatch.GetElapsedTime(started),
                    $"seed {seed}, mutant {Volatile.Read(ref current)} of {currentInput}: still running after {hangLimit.TotalSeconds} s (a hang)", currentBytes);
            }
        }
        return new MutationReport(mutants, refused, Stopwatch.GetElapsedTime(started), failure, failingInput);
    }

    /// <summary>Generous: the pipeline copies, dumps and re-parses its input a few times, never hundreds of MiB.</summary>
    public static long AllocationLimit(int inputLength) => (256L << 20) + 2000L * inputLength;
}
