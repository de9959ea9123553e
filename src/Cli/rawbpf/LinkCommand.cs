using System.CommandLine;
using System.Globalization;
using RawBpf.Cli.Common;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;

namespace RawBpf.Cli;

/// <summary>
/// <c>rawbpf link show [ID | pinned PATH]</c>: bpftool's <c>link show</c>, one entry per link with its kind, program
/// and what it is attached to (struct bpf_link_info), e.g. <c>12: perf_event  prog 40</c> then <c>uprobe /bin/x+0x1139</c>.
/// </summary>
internal static class LinkCommand
{
    public static Command Create()
    {
        var selector = new Argument<string[]>("ID | pinned PATH")
        {
            Description = "One link by id, or the link pinned at PATH; every link when omitted",
            Arity = new ArgumentArity(0, 2),
        };
        var show = new Command("show", "List links with their kind, program and target") { selector };
        show.Aliases.Add("list");
        show.SetAction(result => Show(result.GetValue(selector) ?? []));
        return new Command("link", "Inspect BPF links") { show };
    }

    private static int Show(string[] selector)
    {
        try
        {
            IEnumerable<BpfLinkInformation?> links = selector switch
            {
                [] => BpfObjectIds.LinkIds().Select(BpfObjectIds.TryGetLinkInfo),
                ["pinned", var path] => [OpenPinned(path)],
                [var text] when uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) =>
                    [BpfObjectIds.TryGetLinkInfo(id) ?? throw new KeyNotFoundException($"no link with id {id}")],
                _ => throw new ArgumentException($"expected ID or \"pinned PATH\", got \"{string.Join(' ', selector)}\""),
            };
            foreach (var link in links)
            {
                // A link that went away between listing and opening is simply not shown.
                if (link is null)
                    continue;
                Console.Out.WriteLine($"{link.Id}: {link.Kind}  prog {link.ProgramId}");
                if (link.Target is { } target)
                    Console.Out.WriteLine("\t" + target);
            }

            return ExitCodes.Success;
        }
        catch (Exception e) when (e is LinuxSyscallException or KeyNotFoundException or ArgumentException or BpfAttachException)
        {
            Console.Error.WriteLine($"rawbpf: {e.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.RuntimeError;
        }
    }

    private static BpfLinkInformation OpenPinned(string path)
    {
        using var link = BpfLink.OpenPinned(path);
        return link.GetInfo()!;
    }
}
