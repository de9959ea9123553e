using System.CommandLine;
using RawBpf.Cli.Common;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Programs;

namespace RawBpf.Cli;

/// <summary>
/// <c>rawbpf prog loadall OBJ PINDIR [autoattach] [--pinmaps DIR] [--hold] [--btf FILE] [--explain]</c>: bpftool's
/// <c>prog loadall</c>, loading every map and program of an object and pinning each program at
/// PINDIR/&lt;function name&gt;; with <c>autoattach</c> (bpftool 7.3+), attaching each program by its section and
/// pinning its link there instead (a program its section says nothing attachable about is pinned itself).
/// </summary>
internal static class ProgLoadAllCommand
{
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
        var autoAttach = new Argument<string?>("autoattach")
        {
            Description = "Attach each program as its section says and pin its link (not the program) at PINDIR/<function name>",
            Arity = ArgumentArity.ZeroOrOne,
        };
        autoAttach.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } word && word != "autoattach")
                result.AddError($"unexpected \"{word}\" after PINDIR (the only keyword there is autoattach)");
        });
        var hold = new Option<bool>("--hold")
        {
            Description = "With autoattach: stay attached until SIGINT/SIGTERM; attachments a kernel cannot pin (perf events before 5.15) live as long as this",
        };
        var loadAll = new Command("loadall", "Load every map and program of an object and pin the programs (or, with autoattach, their links)")
        {
            objectPath, pinDirectory, autoAttach, pinMaps, hold, btfOption, explain,
        };
        loadAll.SetAction(result => Run(
            result.GetRequiredValue(objectPath), result.GetRequiredValue(pinDirectory), result.GetValue(pinMaps),
            result.GetValue(btfOption), result.GetValue(explain), result.GetValue(autoAttach) is not null, result.GetValue(hold)));
        return new Command("prog", "Load and pin BPF programs") { loadAll };
    }

    private static int Run(string objectPath, string pinDirectory, string? mapDirectory, string? kernelBtfPath, bool explain, bool autoAttach, bool hold)
    {
        if (hold && !autoAttach)
        {
            Console.Error.WriteLine("rawbpf: --hold needs autoattach: without it nothing is attached to hold");
            return ExitCodes.Usage;
        }

        using var narration = explain ? SyscallTrace.Subscribe(e => Console.Error.WriteLine(e.ToString())) : null;
        try
        {
            using var bpfObject = ObjectInput.Parse(objectPath, () => BpfObject.Open(objectPath));
            // Disposed before bpfObject: a failure unpins (and removes the directories made) while the fds still
            // hold the programs, which then unload when bpfObject closes them.
            using var pins = new BpfPinTransaction();
            // Both directories are checked (and made) before anything is loaded: a wrong PINDIR costs nothing.
            pinDirectory = pins.CreateDirectory(pinDirectory);
            if (mapDirectory is not null)
                mapDirectory = pins.CreateDirectory(mapDirectory);
            using var kernelTypes = kernelBtfPath is null ? KernelTypes.FromSystem() : KernelTypes.FromFile(kernelBtfPath);
            bpfObject.Load(new BpfObjectLoadOptions { KernelTypes = kernelTypes });
            if (explain)
            {
                foreach (var warning in bpfObject.Warnings)
                    Console.Error.WriteLine($"rawbpf: warning: {warning}");
            }
            if (autoAttach)
                AttachAndPin(bpfObject, pins, pinDirectory, hold);
            else
                bpfObject.PinPrograms(pins, pinDirectory);
            if (mapDirectory is not null)
            {
                foreach (var (name, map) in bpfObject.Maps)
                    pins.Pin(map.Fd, Path.Combine(mapDirectory, name.Replace('.', '_')));
            }
            pins.Commit();
            if (hold)
            {
                Console.Error.WriteLine($"rawbpf: attached {bpfObject.Links.Count} programs; holding until SIGINT or SIGTERM");
                StopSignals.Listen().WaitHandle.WaitOne();
            }
            return ExitCodes.Success;
        }
        catch (RawBpfException e)
        {
            // Reported here, before the pins are rolled back: the verdict is the last line even with --explain.
            return ErrorReporter.Report(e);
        }
    }

    /// <summary>
    /// bpftool 7.3's autoattach: each program attached by its section, its link pinned at PINDIR/&lt;name&gt;; a program
    /// whose section names nothing attachable is pinned itself, as bpftool falls back to.
    /// </summary>
    private static void AttachAndPin(BpfObject bpfObject, BpfPinTransaction pins, string pinDirectory, bool hold)
    {
        foreach (var name in bpfObject.Programs.Keys.Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(pinDirectory, name);
            if (!bpfObject.CanAttach(name))
            {
                Console.Error.WriteLine($"rawbpf: program {name} does not support autoattach, falling back to pinning");
                pins.Pin(bpfObject.Programs[name].Fd, path);
                continue;
            }

            var link = bpfObject.Attach(name);
            if (link.LinkFd is { } linkFd)
                pins.Pin(linkFd, path);
            else if (hold)
                Console.Error.WriteLine($"rawbpf: program {name} is attached to {link.Target} without a bpf_link (a kernel before 5.15 has none for perf events): held, not pinned");
            else
                throw new BpfAttachException($"program {name} is attached to {link.Target} without a bpf_link to pin: a kernel before 5.15 has none for perf events (use --hold to keep it attached while rawbpf runs)");
        }
    }
}
