using System.CommandLine;
using System.Globalization;
using RawBpf.Cli.Common;
using RawBpf.Elf;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Objects;
using RawBpf.Uapi;

namespace RawBpf.Cli;

/// <summary>
/// <c>rawbpf struct_ops register OBJ [LINK_DIR] | unregister MAP | show [MAP]</c>: bpftool's struct_ops subcommands,
/// MAP being <c>NAME</c>, <c>name NAME</c> or <c>id ID</c>. A registered <c>.struct_ops</c> map stays registered after
/// rawbpf exits (the kernel holds it until it is unregistered); a <c>.struct_ops.link</c> map stays registered only
/// while its bpf_link lives, so as long as its pin at LINK_DIR/&lt;map name&gt; does.
/// </summary>
internal static class StructOpsCommand
{
    public static Command Create()
    {
        var objectPath = new Argument<string>("OBJ") { Description = "A clang-built BPF object with .struct_ops or .struct_ops.link maps" };
        var linkDirectory = new Argument<string?>("LINK_DIR")
        {
            Description = "Directory in a bpffs to pin each .struct_ops.link map's link in, by map name; without it such a map is unregistered again when rawbpf exits (as with bpftool)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var register = new Command("register", "Load OBJ and register every struct_ops map in it with its kernel subsystem") { objectPath, linkDirectory };
        register.SetAction(result => Register(result.GetRequiredValue(objectPath), result.GetValue(linkDirectory)));

        var unregisterSelector = Selector(1, "The struct_ops map(s) with this name, or the one with this id");
        var unregister = new Command("unregister", "Unregister a struct_ops map from its kernel subsystem (BPF_MAP_DELETE_ELEM of key 0)") { unregisterSelector };
        unregister.SetAction(result => Unregister(result.GetValue(unregisterSelector) ?? []));

        var showSelector = Selector(0, "Only the struct_ops map(s) with this name, or the one with this id; every one when omitted");
        var show = new Command("show", "List the kernel's struct_ops maps: id, map name, kernel struct") { showSelector };
        show.Aliases.Add("list");
        show.SetAction(result => Show(result.GetValue(showSelector) ?? []));

        return new Command("struct_ops", "Register, unregister and list struct_ops maps (TCP congestion controls, ...)") { register, unregister, show };
    }

    private static Argument<string[]> Selector(int minimum, string description) => new("NAME | name NAME | id ID")
    {
        Description = description,
        Arity = new ArgumentArity(minimum, 2),
    };

    /// <summary>
    /// bpftool's do_register: every struct_ops map of the object is registered and left so (disconnected) when rawbpf
    /// exits; one that fails is reported and the others still go ahead, as bpftool does.
    /// </summary>
    private static int Register(string objectPath, string? linkDirectory)
    {
        try
        {
            using var bpfObject = ObjectInput.Parse(objectPath, () => BpfObject.Open(objectPath));
            var mapNames = bpfObject.File.Maps.Where(m => m.Kind == MapKind.StructOps).Select(m => m.Name).ToList();
            if (mapNames.Count == 0)
                throw new ArgumentException($"no struct_ops found in {objectPath} (no .struct_ops or .struct_ops.link section)");
            // Disposed before bpfObject: with nothing registered, the directories it made go again.
            using var pins = new BpfPinTransaction();
            if (linkDirectory is not null)
                linkDirectory = pins.CreateDirectory(linkDirectory);
            using var kernelTypes = KernelTypes.FromSystem();
            bpfObject.Load(new BpfObjectLoadOptions { KernelTypes = kernelTypes });

            var failures = 0;
            foreach (var name in mapNames)
            {
                try
                {
                    Console.Out.WriteLine(RegisterMap(bpfObject, name, kernelTypes, pins, linkDirectory));
                    pins.Commit();
                }
                catch (RawBpfException e)
                {
                    failures++;
                    ErrorReporter.Report(e);
                }
            }
            return failures == 0 ? ExitCodes.Success : ExitCodes.RuntimeError;
        }
        catch (Exception e) when (e is RawBpfException or ArgumentException)
        {
            return ErrorReporter.Report(e);
        }
    }

    /// <summary>Registers one map and says so as bpftool does; its link (if any) is pinned first when there is a LINK_DIR.</summary>
    private static string RegisterMap(BpfObject bpfObject, string name, KernelTypes kernelTypes, BpfPinTransaction pins, string? linkDirectory)
    {
        var link = bpfObject.AttachStructOps(name);
        // Whatever happens next, leave the registration as it is now: an unpinned link still ends with rawbpf.
        link.Disconnect();
        var info = bpfObject.Maps[name].GetInfo();
        var kernelStruct = StructOpsLink.KernelStructName(info, kernelTypes.Vmlinux);
        if (link.LinkFd is not { } linkFd)
            return string.Create(CultureInfo.InvariantCulture, $"Registered {kernelStruct} {info.Name} id {info.Id}");
        var linkId = link.GetInfo()!.Id;
        if (linkDirectory is not null)
            pins.Pin(linkFd, Path.Combine(linkDirectory, info.Name));
        return string.Create(CultureInfo.InvariantCulture, $"Registered {kernelStruct} {info.Name} map id {info.Id} link id {linkId}");
    }

    /// <summary>bpftool's do_unregister: every struct_ops map the selector finds (by name there may be several).</summary>
    private static int Unregister(string[] selector)
    {
        try
        {
            using var kernelTypes = KernelTypes.FromSystem();
            var failures = 0;
            foreach (var map in Find(selector))
            {
                using (map)
                {
                    var info = map.GetInfo();
                    try
                    {
                        StructOpsLink.Unregister(map);
                        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Unregistered {StructOpsLink.KernelStructName(info, kernelTypes.Vmlinux)} {info.Name} id {info.Id}"));
                    }
                    catch (RawBpfException e)
                    {
                        failures++;
                        ErrorReporter.Report(e);
                    }
                }
            }
            return failures == 0 ? ExitCodes.Success : ExitCodes.RuntimeError;
        }
        catch (Exception e) when (e is RawBpfException or ArgumentException or KeyNotFoundException)
        {
            return ErrorReporter.Report(e);
        }
    }

    /// <summary>bpftool's do_show: <c>ID: NAME KERNEL_STRUCT</c> in its columns (map name 15 wide, struct 32).</summary>
    private static int Show(string[] selector)
    {
        try
        {
            using var kernelTypes = KernelTypes.FromSystem();
            foreach (var map in Find(selector))
            {
                using (map)
                {
                    var info = map.GetInfo();
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{info.Id}: {info.Name,-15} {StructOpsLink.KernelStructName(info, kernelTypes.Vmlinux),-32}"));
                }
            }
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is RawBpfException or ArgumentException or KeyNotFoundException)
        {
            return ErrorReporter.Report(e);
        }
    }

    /// <summary>
    /// The struct_ops maps a selector names, opened: every one (no selector), those named NAME (bpftool's map name
    /// filter; none is an error), or the one with id ID (which must be a struct_ops map).
    /// </summary>
    private static IEnumerable<BpfMap> Find(string[] selector)
    {
        switch (selector)
        {
            case ["id", var text]:
                if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
                    throw new ArgumentException($"invalid id \"{text}\": expected a map id (a positive number)");
                var byId = BpfObjectIds.TryOpenMap(id) ?? throw new KeyNotFoundException($"no map with id {id}");
                if (byId.Type != BpfMapType.StructOps)
                {
                    byId.Dispose();
                    throw new ArgumentException($"map {byId.Name} id {id} is not a struct_ops map");
                }
                return [byId];
            case [] or ["name", _] or [_]:
                var name = selector.Length == 0 ? null : selector[^1];
                var found = StructOpsMaps(name).ToList();
                return found.Count > 0 || name is null ? found : throw new KeyNotFoundException($"no struct_ops found for {name}");
            default:
                throw new ArgumentException($"expected NAME, \"name NAME\" or \"id ID\", got \"{string.Join(' ', selector)}\"");
        }
    }

    /// <summary>Every struct_ops map the kernel has (named <paramref name="name"/>, when given), in id order.</summary>
    private static IEnumerable<BpfMap> StructOpsMaps(string? name)
    {
        foreach (var id in BpfObjectIds.MapIds())
        {
            // A map that went away between listing and opening is simply not there.
            if (BpfObjectIds.TryOpenMap(id) is not { } map)
                continue;
            if (map.Type == BpfMapType.StructOps && (name is null || map.Name == name))
                yield return map;
            else
                map.Dispose();
        }
    }
}
