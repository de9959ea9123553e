using System.Diagnostics;
using RawBpf.BtfCore;
using RawBpf.Elf.Tests.Fuzz;
using RawBpf.Tests.Shared;
using SharpFuzz;

namespace RawBpf.Fuzz;

/// <summary>
/// Fuzz targets for the parsers of untrusted bytes (ELF, BTF, BTF.ext, CO-RE), for runs longer than CI's:
/// under afl-fuzz (SharpFuzz's fork server over instrumented RawBpf assemblies), under a libFuzzer driver, or
/// in-process with the test suite's own structure-aware mutator. See README.md.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: rawbpf-fuzz COMMAND ...
          seed-corpus DIR                 write DIR/TARGET/*.bin from the clang-built objects and vmlinux
          run TARGET [SECONDS] [SEED]     in-process seeded mutation for SECONDS (default 60), report execs/s;
                                          failing inputs go to ./fuzz-crashes/
          afl TARGET                      the target under afl-fuzz (SharpFuzz fork server, out of process)
          libfuzzer TARGET                the target under a libFuzzer driver (SharpFuzz LibFuzzer.Run)
          repro TARGET FILE...            run files through the target once, print what escapes
          instrument DLL...               SharpFuzz instrumentation of RawBpf.* types, in place
          write-mutants TARGET N SEED DIR write N seeded mutants as DIR/TARGET-I.bin (inputs for cli-fuzz.py)
        targets: elf btf btfext core kernel
        """;

    private static int Main(string[] args)
    {
        if (args.Length < 1)
            return Fail(Usage);
        GiveCoverageAScratchMap();
        try
        {
            return args[0] switch
            {
                "seed-corpus" when args.Length == 2 => SeedCorpus(args[1]),
                "run" when args.Length is >= 2 and <= 4 => RunInProcess(ParseTarget(args[1]),
                    args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 60,
                    args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : Environment.TickCount),
                "afl" when args.Length == 2 => Afl(ParseTarget(args[1])),
                "libfuzzer" when args.Length == 2 => LibFuzzer(ParseTarget(args[1])),
                "repro" when args.Length >= 3 => Repro(ParseTarget(args[1]), args[2..]),
                "instrument" when args.Length >= 2 => Instrument(args[1..]),
                "write-mutants" when args.Length == 5 => WriteMutants(ParseTarget(args[1]),
                    int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args[4]),
                _ => Fail(Usage),
            };
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message + "\n" + Usage);
        }
    }

    /// <summary>
    /// Instrumented assemblies count branches through <c>Trace.SharedMem</c>, which SharpFuzz maps only inside
    /// <c>Fuzzer.*.Run</c>: a scratch map lets set-up code (loading vmlinux) and the other commands run on an
    /// instrumented build too (a null map is an access violation). Run replaces it with the fuzzer's own.
    /// </summary>
    private static unsafe void GiveCoverageAScratchMap()
    {
        if (SharpFuzz.Common.Trace.SharedMem == null)
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private static FuzzTarget ParseTarget(string name) => name switch
    {
        "elf" => FuzzTarget.Elf,
        "btf" => FuzzTarget.Btf,
        "btfext" => FuzzTarget.BtfExt,
        "core" => FuzzTarget.Core,
        "kernel" => FuzzTarget.KernelBtf,
        _ => throw new ArgumentException($"unknown target '{name}'"),
    };

    private static string TargetName(FuzzTarget target) => target switch
    {
        FuzzTarget.Elf => "elf",
        FuzzTarget.Btf => "btf",
        FuzzTarget.BtfExt => "btfext",
        FuzzTarget.Core => "core",
        _ => "kernel",
    };

    private static Btf LoadVmlinux()
    {
        var vmlinux = Btf.Parse(File.ReadAllBytes("/sys/kernel/btf/vmlinux"));
        foreach (var id in vmlinux.FindByEssentialName("task_struct"u8))
            _ = id;
        return vmlinux;
    }

    private static List<FuzzInput> Corpus(Btf vmlinux) => FuzzCorpus.Build(RepoPaths.AllBpfObjects(), vmlinux);

    /// <summary>The objects whose .BTF.ext the btfext target parses against: a file's first byte picks one.</summary>
    private static List<ObjectContext> Contexts(List<FuzzInput> corpus) =>
        corpus.Where(i => i.Target == FuzzTarget.BtfExt).Select(i => i.Context!).ToList();

    /// <summary>A file as the target reads it: for btfext, byte 0 picks the object, the rest is the .BTF.ext.</summary>
    private static void RunFile(FuzzTarget target, ReadOnlyMemory<byte> bytes, Btf vmlinux, List<ObjectContext> contexts)
    {
        if (target == FuzzTarget.BtfExt)
        {
            if (bytes.IsEmpty)
                return;
            FuzzPipeline.Run(target, bytes[1..], vmlinux, contexts[bytes.Span[0] % contexts.Count]);
            return;
        }
        FuzzPipeline.Run(target, bytes, vmlinux);
    }

    private static int SeedCorpus(string directory)
    {
        var vmlinux = LoadVmlinux();
        var corpus = Corpus(vmlinux);
        var contexts = Contexts(corpus);
        var written = 0;
        foreach (var input in corpus)
        {
            var folder = Directory.CreateDirectory(Path.Combine(directory, TargetName(input.Target))).FullName;
            var name = input.Name.Replace(':', '_').Replace('[', '_').Replace(']', '_').Replace(' ', '_');
            byte[] bytes = input.Target == FuzzTarget.BtfExt ? [(byte)contexts.IndexOf(input.Context!), .. input.Bytes] : input.Bytes;
            File.WriteAllBytes(Path.Combine(folder, name + ".bin"), bytes);
            written++;
        }
        Console.WriteLine($"{written} inputs written under {Path.GetFullPath(directory)}");
        return 0;
    }

    /// <summary>
    /// Seeded batches of the test suite's mutator until the time is up. A failing mutant is saved and the run
    /// goes on with the next batch; a hang ends the run (its worker cannot be stopped).
    /// </summary>
    private static int RunInProcess(FuzzTarget target, int seconds, int seed)
    {
        var vmlinux = LoadVmlinux();
        var inputs = Corpus(vmlinux).Where(i => i.Target == target).ToList();
        var crashes = Directory.CreateDirectory("fuzz-crashes").FullName;
        var clock = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(seconds);
        long mutants = 0, refused = 0;
        var failures = 0;
        var lastReport = TimeSpan.Zero;
        Console.WriteLine($"{TargetName(target)}: {inputs.Count} inputs, seed {seed}, {seconds} s");
        for (var batch = seed; clock.Elapsed < budget; batch++)
        {
            var report = MutationRunner.Run(inputs, vmlinux, batch, 20_000, budget - clock.Elapsed, TimeSpan.FromSeconds(10));
            mutants += report.Mutants;
            refused += report.Refused;
            if (report.Failure is not null)
            {
                failures++;
                var path = Path.Combine(crashes, $"{TargetName(target)}-seed{batch}-{failures}.bin");
                File.WriteAllBytes(path, report.FailingInput ?? []);
                Console.WriteLine($"FAILURE ({path}): {report.Failure}");
                if (report.Failure.Contains("(a hang)", StringComparison.Ordinal))
                    break;
            }
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds:F0} s: {mutants} execs, {mutants / clock.Elapsed.TotalSeconds:F0}/s");
            }
        }
        Console.WriteLine($"{TargetName(target)}: {mutants} execs ({refused} refused somewhere) in {clock.Elapsed.TotalSeconds:F0} s, "
            + $"{mutants / clock.Elapsed.TotalSeconds:F0} execs/s, {failures} failures");
        return failures == 0 ? 0 : 1;
    }

    private static Action<Stream> StreamTarget(FuzzTarget target)
    {
        var vmlinux = LoadVmlinux();
        var contexts = Contexts(Corpus(vmlinux));
        return stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            // Typed refusals are the expected outcome; anything else escapes and afl-fuzz records a crash.
            RunFile(target, copy.ToArray(), vmlinux, contexts);
        };
    }

    private static int Afl(FuzzTarget target)
    {
        Fuzzer.OutOfProcess.Run(StreamTarget(target));
        return 0;
    }

    private static int LibFuzzer(FuzzTarget target)
    {
        var vmlinux = LoadVmlinux();
        var contexts = Contexts(Corpus(vmlinux));
        Fuzzer.LibFuzzer.Run(span => RunFile(target, span.ToArray(), vmlinux, contexts));
        return 0;
    }

    private static int Repro(FuzzTarget target, string[] files)
    {
        var vmlinux = LoadVmlinux();
        var contexts = Contexts(Corpus(vmlinux));
        var bad = 0;
        foreach (var file in files)
        {
            try
            {
                RunFile(target, File.ReadAllBytes(file), vmlinux, contexts);
                Console.WriteLine($"{file}: ok");
            }
            catch (Exception e)
            {
                bad++;
                Console.WriteLine($"{file}: {e}");
            }
        }
        return bad == 0 ? 0 : 1;
    }

    /// <summary>Mutant i of seed s, as the in-process runner and the tests make it, for the published tools to read.</summary>
    private static int WriteMutants(FuzzTarget target, int count, int seed, string directory)
    {
        var vmlinux = LoadVmlinux();
        var inputs = Corpus(vmlinux).Where(i => i.Target == target).ToList();
        var folder = Directory.CreateDirectory(directory).FullName;
        for (var i = 0; i < count; i++)
            File.WriteAllBytes(Path.Combine(folder, $"{TargetName(target)}-{i}.bin"), MutationRunner.Produce(inputs, seed, i).Bytes);
        Console.WriteLine($"{count} {TargetName(target)} mutants (seed {seed}) written under {folder}");
        return 0;
    }

    private static int Instrument(string[] assemblies)
    {
        foreach (var assembly in assemblies)
        {
            try
            {
                var types = Fuzzer.Instrument(assembly, type => type.StartsWith("RawBpf.", StringComparison.Ordinal), Options.Value);
                Console.WriteLine($"{assembly}: {types.Count()} types instrumented");
            }
            catch (InstrumentationException e)
            {
                Console.WriteLine($"{assembly}: {e.Message}");
            }
        }
        return 0;
    }
}
