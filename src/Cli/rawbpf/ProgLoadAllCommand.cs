using System.CommandLine;
using RawBpf.Cli.Common;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Programs;

namespace RawBpf.Cli;

/// <summary>
/// <c>rawbpf prog loadall OBJ PINDIR [--pinmaps DIR] [--btf FILE] [--explain]</c>: bpftool's <c>prog loadall</c>,
/// loading every map and program of an object and pinning each program at PINDIR/&lt;function name&gt;.
/// </summary>
internal static class ProgLoadAllCommand
{
    /// <summary>How many verifier log lines a rejection shows: enough for the failing instruction and its context.</summary>
    private const int VerifierLogLines = 20;

    public static Command Create()
    {
        var btfOption = KernelBtfOption.Create();
        var objectPath = new Argument<string>("OBJ") { Description = "A clang-built BPF object (ELF)" };
        var pinDirectory = new Argument<string>("PINDIR") { Description = "Directory in a bpffs to pin each program in, by function name" };
        var pinMaps = new Option<string?>("--pinmaps")
        {
            Description = "Also pin every map in this directory, by map name with '.' turned into '_' (as bpftool's pinmaps)",
        };
        var explain = new Option<bool>("--explain") { Description = "Narrate every system call on stderr, one line each" };
        var loadAll = new Command("loadall", "Load every map and program of an object and pin the programs")
        {
            objectPath, pinDirectory, pinMaps, btfOption, explain,
        };
        loadAll.SetAction(result => Run(
            result.GetRequiredValue(objectPath), result.GetRequiredValue(pinDirectory), result.GetValue(pinMaps),
            result.GetValue(btfOption), result.GetValue(explain)));
        return new Command("prog", "Load and pin BPF programs") { loadAll };
    }

    private static int Run(string objectPath, string pinDirectory, string? mapDirectory, string? kernelBtfPath, bool explain)
    {
        using var narration = explain ? SyscallTrace.Subscribe(e => Console.Error.WriteLine(e.ToString())) : null;
        try
        {
            using var bpfObject = BpfObject.Open(objectPath);
            // Disposed before bpfObject: a failure unpins (and removes the directories made) while the fds still
            // hold the programs, which then unload when bpfObject closes them.
            using var pins = new BpfPinTransaction();
            // Both directories are checked (and made) before anything is loaded: a wrong PINDIR costs nothing.
            pinDirectory = pins.CreateDirectory(pinDirectory);
            if (mapDirectory is not null)
                mapDirectory = pins.CreateDirectory(mapDirectory);
            bpfObject.Load(new BpfObjectLoadOptions { KernelBtfPath = kernelBtfPath });
            if (explain)
            {
                foreach (var warning in bpfObject.Warnings)
                    Console.Error.WriteLine($"rawbpf: warning: {warning}");
            }
            bpfObject.PinPrograms(pins, pinDirectory);
            if (mapDirectory is not null)
            {
                foreach (var (name, map) in bpfObject.Maps)
                    pins.Pin(map.Fd, Path.Combine(mapDirectory, name.Replace('.', '_')));
            }
            pins.Commit();
            return ExitCodes.Success;
        }
        catch (BpfObjectLoadException e)
        {
            Console.Error.WriteLine($"rawbpf: {OneLine(e.Message)}");
            PrintLogTail(e.VerifierLogTail);
            return ExitCodes.RuntimeError;
        }
        catch (BpfProgramLoadException e)
        {
            Console.Error.WriteLine($"rawbpf: {OneLine(e.Message)}");
            PrintLogTail(e.LogTail);
            return ExitCodes.RuntimeError;
        }
        catch (Exception e) when (e is LinuxSyscallException or BpfPinDirectoryException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"rawbpf: {OneLine(e.Message)}");
            return ExitCodes.RuntimeError;
        }
    }

    private static void PrintLogTail(string? logTail)
    {
        if (string.IsNullOrWhiteSpace(logTail))
            return;
        var lines = logTail.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Console.Error.WriteLine("verifier log (last lines):");
        foreach (var line in lines.TakeLast(VerifierLogLines))
            Console.Error.WriteLine("  " + line);
    }

    /// <summary>The message's lines (the call, then each hint) on one line.</summary>
    private static string OneLine(string text) =>
        string.Join("; ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
