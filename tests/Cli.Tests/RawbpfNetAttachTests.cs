using System.Text.Json;
using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>
/// The published <c>rawbpf net attach</c> inside a test network namespace (entered with nsenter, which keeps /sys
/// and so the bpffs pins visible): the pinned link holds the attachment after rawbpf exits, the program counts the
/// packets sent to the veth end, and removing the pin detaches it. Failures are one line naming the missing thing.
/// </summary>
public sealed class RawbpfNetAttachTests
{
    private const int Datagrams = 20;

    [Theory]
    [InlineData("xdpgeneric", "netatt_xdp", "xdp_packets")]
    [InlineData("xdp", "netatt_xdp", "xdp_packets")]
    [InlineData("tcx_ingress", "netatt_tc_in", "tc_ingress_packets")]
    public void A_pinned_link_counts_packets_until_its_pin_is_removed(string attachType, string program, string counter)
    {
        using var pair = new NetworkNamespacePair();
        using var pins = new PinDirectories();
        LoadNetAttach(pins);
        var link = Path.Combine(pins.Root, "link");

        var result = InNamespace(pair.NamespaceA, "net", "attach", attachType, Path.Combine(pins.Rawbpf, program), "dev", pair.InterfaceA, "--pin-link", link);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        Assert.Equal("", result.StandardError);
        var linkInfo = JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "-j", "link", "show", "pinned", link)).RootElement;
        Assert.Equal(ProgramId(Path.Combine(pins.Rawbpf, program)), linkInfo.GetProperty("prog_id").GetUInt32());

        NetworkNamespacePair.SendUdp(pair.NamespaceB, NetworkNamespacePair.AddressA, 9213, Datagrams);
        Assert.True(NetworkNamespacePair.WaitUntil(() => Counter(pins, counter) >= Datagrams), $"{counter} {Counter(pins, counter)}");

        // Unpinning closes the last reference: the program is detached.
        File.Delete(link);
        var linkId = linkInfo.GetProperty("id").GetUInt32();
        Assert.True(NetworkNamespacePair.WaitUntil(() => !LinkIds().Contains(linkId)), $"link {linkId} still exists");
        // The last reference of a pinned link goes in a workqueue (bpf_link_put, not _direct): its id is freed before
        // the release detaches, so under load a batch or two may still be counted. Detached means a batch is not.
        Assert.True(NetworkNamespacePair.WaitUntil(() =>
        {
            var before = Counter(pins, counter);
            NetworkNamespacePair.SendUdp(pair.NamespaceB, NetworkNamespacePair.AddressA, 9213, Datagrams);
            Thread.Sleep(200);
            return Counter(pins, counter) == before;
        }), $"{counter} still counts after the link's pin is removed");
    }

    [Fact]
    public void A_missing_interface_is_named_and_nothing_is_pinned()
    {
        using var pins = new PinDirectories();
        LoadNetAttach(pins);
        var link = Path.Combine(pins.Root, "link");
        var result = ExternalTool.Run(RawbpfBinary.Path, "net", "attach", "xdp", Path.Combine(pins.Rawbpf, "netatt_xdp"), "dev", "rbnosuch0", "--pin-link", link);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("rawbpf: network interface \"rbnosuch0\" does not exist in this network namespace (ip link show lists those that do)\n", result.StandardError);
        Assert.False(File.Exists(link));
    }

    [Fact]
    public void A_program_of_the_wrong_type_is_named()
    {
        using var pins = new PinDirectories();
        LoadNetAttach(pins);
        var result = ExternalTool.Run(RawbpfBinary.Path, "net", "attach", "tcx_egress", Path.Combine(pins.Rawbpf, "netatt_xdp"), "dev", "lo", "--pin-link", Path.Combine(pins.Root, "link"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("rawbpf: program \"netatt_xdp\" is of type XDP; tc attaches BPF_PROG_TYPE_SCHED_CLS programs\n", result.StandardError);
    }

    private static void LoadNetAttach(PinDirectories pins)
    {
        var result = ExternalTool.Run(RawbpfBinary.Path, "prog", "loadall", Path.Combine(RepoPaths.TestBpfObjects, "net_attach.bpf.o"), pins.Rawbpf, "--pinmaps", pins.RawbpfMaps);
        Assert.True(result.ExitCode == 0, $"rawbpf prog loadall exited {result.ExitCode}: {result.StandardError}");
    }

    private static ExternalTool.Result InNamespace(string name, params string[] arguments) =>
        ExternalTool.Run("nsenter", ["--net=" + NetworkNamespacePair.NamespacePath(name), RawbpfBinary.Path, .. arguments]);

    private static uint ProgramId(string pin) =>
        JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "-j", "prog", "show", "pinned", pin)).RootElement.GetProperty("id").GetUInt32();

    private static HashSet<uint> LinkIds() =>
        JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "-j", "link", "show")).RootElement.EnumerateArray().Select(l => l.GetProperty("id").GetUInt32()).ToHashSet();

    /// <summary>A .bss global, as bpftool dumps the pinned map with its BTF.</summary>
    private static ulong Counter(PinDirectories pins, string name)
    {
        var dump = JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "-j", "map", "dump", "pinned", Path.Combine(pins.RawbpfMaps, "net_atta_bss"))).RootElement;
        foreach (var variable in dump[0].GetProperty("formatted").GetProperty("value").GetProperty(".bss").EnumerateArray())
        {
            if (variable.TryGetProperty(name, out var value))
                return value.GetUInt64();
        }

        throw new KeyNotFoundException(name);
    }
}
