using System.CommandLine;
using RawBpf.Cli.Common;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Programs;

namespace RawBpf.Cli;

/// <summary>
/// <c>rawbpf net attach ATTACH_TYPE PROG dev IFACE --pin-link PATH</c>: bpftool's <c>net attach</c> (xdp, xdpgeneric,
/// xdpdrv, tcx_ingress, tcx_egress) for a program pinned in bpffs, made as a bpf_link and pinned at PATH so the
/// attachment outlives this process; removing the pin (<c>rm PATH</c>) detaches it. tcx needs a kernel with tcx links:
/// elsewhere the command fails naming the release that has them.
/// </summary>
internal static class NetAttachCommand
{
    private static readonly string[] AttachTypes = ["xdp", "xdpgeneric", "xdpdrv", "tcx_ingress", "tcx_egress"];

    public static Command Create()
    {
        var attachType = new Argument<string>("ATTACH_TYPE") { Description = "xdp, xdpgeneric, xdpdrv, tcx_ingress or tcx_egress" };
        attachType.AcceptOnlyFromAmong(AttachTypes);
        var program = new Argument<string>("PROG") { Description = "The program, pinned in a bpffs (e.g. by rawbpf prog loadall)" };
        var dev = new Argument<string>("dev") { Description = "The keyword dev" };
        dev.AcceptOnlyFromAmong("dev");
        var interfaceName = new Argument<string>("IFACE") { Description = "The network interface, in this network namespace" };
        var pinLink = new Option<string>("--pin-link")
        {
            Description = "Where in a bpffs to pin the link: the attachment lasts until this pin is removed",
            Required = true,
        };
        var explain = new Option<bool>("--explain") { Description = "Narrate every system call on stderr, one line each" };
        var attach = new Command("attach", "Attach a pinned XDP or tc program to a network interface through a pinned bpf_link")
        {
            attachType, program, dev, interfaceName, pinLink, explain,
        };
        attach.SetAction(result => Run(
            result.GetRequiredValue(attachType), result.GetRequiredValue(program), result.GetRequiredValue(interfaceName),
            result.GetRequiredValue(pinLink), result.GetValue(explain)));
        return new Command("net", "Attach programs to network interfaces") { attach };
    }

    private static int Run(string attachType, string programPath, string interfaceName, string linkPath, bool explain)
    {
        using var narration = explain ? SyscallTrace.Subscribe(e => Console.Error.WriteLine(e.ToString())) : null;
        try
        {
            using var program = BpfProgram.OpenPinned(programPath);
            using BpfLink link = attachType switch
            {
                "xdp" => program.AttachXdp(interfaceName),
                "xdpgeneric" => program.AttachXdp(interfaceName, XdpAttachFlags.Generic),
                "xdpdrv" => program.AttachXdp(interfaceName, XdpAttachFlags.Driver),
                "tcx_ingress" => program.AttachTcx(interfaceName, TcxDirection.Ingress, TcAttachMode.Tcx),
                _ => program.AttachTcx(interfaceName, TcxDirection.Egress, TcAttachMode.Tcx),
            };

            // The pin holds the link: closing this process's fd (disposing) leaves the attachment in place.
            BpfFs.Pin(link.LinkFd!, linkPath);
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is LinuxSyscallException or BpfAttachException or ArgumentException)
        {
            return ErrorReporter.Report(e);
        }
    }
}
