using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>
/// The published <c>rawbpf struct_ops</c> registering real TCP congestion controls, with bpftool 7.1 as the oracle
/// for what is printed: a <c>.struct_ops</c> map stays registered after rawbpf exits, a <c>.struct_ops.link</c> map
/// only while its link is pinned. The objects are the CLI's own (<c>rawbpf_cli_*</c>): congestion-control names are
/// global, and StructOpsTests may register <c>rawbpf_cc</c> at the same time. Every test unregisters what it made.
/// </summary>
public sealed partial class RawbpfStructOpsTests : IDisposable
{
    private const string Available = "/proc/sys/net/ipv4/tcp_available_congestion_control";
    private const string Plain = "rawbpf_cli_cc";
    private const string Linked = "rawbpf_cli_lnk";
    private const string LinkedObjectsPlain = "rawbpf_cli_pln";

    private readonly PinDirectories _pins = new("sops");

    private static string PlainObject => Path.Combine(RepoPaths.TestBpfObjects, "struct_ops_cli.bpf.o");
    private static string LinkObject => Path.Combine(RepoPaths.TestBpfObjects, "struct_ops_cli_link.bpf.o");
    private string LinkDirectory => Path.Combine(_pins.Root, "links");

    [Fact]
    public void APlainStructOpsMapStaysRegisteredAfterRawbpfExitsUntilUnregistered()
    {
        var registered = Rawbpf("struct_ops", "register", PlainObject);

        AssertSuccess(registered);
        var id = uint.Parse(RegisteredPlain().Match(registered.StandardOutputText) is { Success: true } match
            ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException($"unexpected output: {registered.StandardOutputText}"), CultureInfo.InvariantCulture);
        Assert.Equal($"Registered tcp_congestion_ops {Plain} id {id}\n", registered.StandardOutputText);
        Assert.True(IsRegistered(Plain), $"{Plain} not in {Available}: {File.ReadAllText(Available)}");

        var unregistered = Rawbpf("struct_ops", "unregister", Plain);
        AssertSuccess(unregistered);
        Assert.Equal($"Unregistered tcp_congestion_ops {Plain} id {id}\n", unregistered.StandardOutputText);
        Assert.False(IsRegistered(Plain));
        AssertOneLineFailure(Rawbpf("struct_ops", "unregister", Plain), $"rawbpf: no struct_ops found for {Plain}");
    }

    [Fact]
    public void ShowPrintsBpftoolsLinesAndSelectsByNameOrId()
    {
        AssertSuccess(Rawbpf("struct_ops", "register", PlainObject));
        var id = Ids(Plain).Single();
        // bpftool's columns, trailing blanks included: "%u: %-15s %-32s".
        var expected = $"{id}: {Plain}   tcp_congestion_ops              ";
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(ExternalTool.RunChecked("bpftool", "struct_ops", "show", "id", $"{id}")).TrimEnd('\n'));

        var all = Rawbpf("struct_ops", "show");
        AssertSuccess(all);
        Assert.Contains(expected, all.StandardOutputText.Split('\n'));
        foreach (var selector in new[] { new[] { Plain }, ["name", Plain], ["id", $"{id}"] })
        {
            var one = Rawbpf(["struct_ops", "list", .. selector]);
            AssertSuccess(one);
            Assert.Equal(expected + "\n", one.StandardOutputText);
        }
        // Every struct_ops map bpftool lists, rawbpf lists the same way (others' maps come and go: compare ours).
        var bpftool = ExternalTool.RunChecked("bpftool", "struct_ops", "show");
        Assert.Contains(expected, System.Text.Encoding.UTF8.GetString(bpftool).Split('\n'));
    }

    [Fact]
    public void RegisterAndUnregisterSayWhatBpftoolSays()
    {
        var bpftool = ExternalTool.Run("bpftool", "struct_ops", "register", PlainObject);
        Assert.True(bpftool.ExitCode == 0, bpftool.StandardError);
        var id = Ids(Plain).Single();
        // bpftool says it on stderr (p_info); rawbpf on stdout, leaving stderr to errors.
        Assert.Equal($"Registered tcp_congestion_ops {Plain} id {id}\n", bpftool.StandardError);

        // A registration bpftool made, unregistered by id.
        var unregistered = Rawbpf("struct_ops", "unregister", "id", $"{id}");
        AssertSuccess(unregistered);
        Assert.Equal($"Unregistered tcp_congestion_ops {Plain} id {id}\n", unregistered.StandardOutputText);
        Assert.False(IsRegistered(Plain));

        var registered = Rawbpf("struct_ops", "register", PlainObject);
        AssertSuccess(registered);
        var ours = Ids(Plain).Single();
        Assert.Equal(bpftool.StandardError.Replace($"id {id}", $"id {ours}", StringComparison.Ordinal), registered.StandardOutputText);
        var bpftoolUnregister = ExternalTool.Run("bpftool", "struct_ops", "unregister", "id", $"{ours}");
        Assert.Equal($"Unregistered tcp_congestion_ops {Plain} id {ours}\n", bpftoolUnregister.StandardError);
    }

    [Fact]
    public void APinnedLinkKeepsAStructOpsLinkMapRegisteredUntilThePinIsRemoved()
    {
        var registered = Rawbpf("struct_ops", "register", LinkObject, LinkDirectory);

        AssertSuccess(registered);
        var pin = Path.Combine(LinkDirectory, Linked);
        var link = JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "-j", "link", "show", "pinned", pin)).RootElement;
        Assert.Equal("struct_ops", link.GetProperty("type").GetString());
        var linkId = link.GetProperty("id").GetUInt32();
        Assert.Equal(
            [$"Registered tcp_congestion_ops {Linked} map id {Ids(Linked).Single()} link id {linkId}", $"Registered tcp_congestion_ops {LinkedObjectsPlain} id {Ids(LinkedObjectsPlain).Single()}"],
            registered.StandardOutputText.TrimEnd('\n').Split('\n'));
        Assert.Equal([Linked], Directory.GetFiles(LinkDirectory).Select(Path.GetFileName));
        Assert.True(IsRegistered(Linked) && IsRegistered(LinkedObjectsPlain), File.ReadAllText(Available));

        // BPF_MAP_DELETE_ELEM cannot undo a link's registration (EOPNOTSUPP): said in one line, nothing changes.
        var refused = Rawbpf("struct_ops", "unregister", Linked);
        Assert.Equal(1, refused.ExitCode);
        Assert.Matches($@"^rawbpf: struct_ops map {Linked} id \d+ is a \.struct_ops\.link map: its bpf_link registers it, which BPF_MAP_DELETE_ELEM cannot undo \(remove the link's pin, or end the process holding the link\)\n$", refused.StandardError);
        Assert.True(IsRegistered(Linked));

        File.Delete(pin);
        Assert.True(NetworkNamespacePair.WaitUntil(() => !IsRegistered(Linked)), $"{Linked} still registered after its pin was removed");
        Assert.True(IsRegistered(LinkedObjectsPlain));
    }

    [Fact]
    public void WithoutLinkDirAStructOpsLinkMapEndsWithRawbpfAsWithBpftool()
    {
        var registered = Rawbpf("struct_ops", "register", LinkObject);

        AssertSuccess(registered);
        Assert.Matches($@"^Registered tcp_congestion_ops {Linked} map id \d+ link id \d+\nRegistered tcp_congestion_ops {LinkedObjectsPlain} id \d+\n$", registered.StandardOutputText);
        Assert.True(NetworkNamespacePair.WaitUntil(() => !IsRegistered(Linked)), $"{Linked} still registered after rawbpf exited");
        Assert.True(IsRegistered(LinkedObjectsPlain));
    }

    [Fact]
    public void AnObjectWithoutStructOpsIsOneLineAndExitCode1()
    {
        var minimal = Path.Combine(RepoPaths.TestBpfObjects, "minimal.bpf.o");
        AssertOneLineFailure(Rawbpf("struct_ops", "register", minimal), $"rawbpf: no struct_ops found in {minimal} (no .struct_ops or .struct_ops.link section)");
    }

    [Fact]
    public void ALinkDirOutsideBpffsIsRefusedBeforeAnythingIsRegistered()
    {
        var outside = Path.Combine(_pins.Scratch, "links");
        AssertOneLineFailure(Rawbpf("struct_ops", "register", LinkObject, outside),
            $"rawbpf: {outside} would be made in {_pins.Scratch}, which is not on a BPF file system: pins live in a bpffs mount (mount -t bpf bpf /sys/fs/bpf)");
        Assert.False(Directory.Exists(outside));
        Assert.False(IsRegistered(LinkedObjectsPlain) || IsRegistered(Linked));
        Assert.Empty(Ids(LinkedObjectsPlain));
    }

    [Fact]
    public void ANameTheKernelHasRegisteredAlreadyIsRefusedInOneLine()
    {
        AssertSuccess(Rawbpf("struct_ops", "register", PlainObject));
        var again = Rawbpf("struct_ops", "register", PlainObject);

        AssertOneLineFailure(again, $"rawbpf: struct_ops tcp_congestion_ops '{Plain}' was refused with EEXIST by BPF_MAP_UPDATE_ELEM: a tcp_congestion_ops of the same name is registered already");
        Assert.Single(Ids(Plain));
        Assert.True(IsRegistered(Plain));
    }

    [Fact]
    public void SelectorsThatFindNoStructOpsMapSayWhy()
    {
        ExternalTool.RunChecked("bpftool", "map", "create", Path.Combine(_pins.Root, "array"), "type", "array", "key", "4", "value", "4", "entries", "1", "name", "sops_array");
        var arrayId = JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "-j", "map", "show", "pinned", Path.Combine(_pins.Root, "array"))).RootElement.GetProperty("id").GetUInt32();

        AssertOneLineFailure(Rawbpf("struct_ops", "show", "rawbpf_cli_none"), "rawbpf: no struct_ops found for rawbpf_cli_none");
        AssertOneLineFailure(Rawbpf("struct_ops", "unregister", "id", $"{arrayId}"), $"rawbpf: map sops_array id {arrayId} is not a struct_ops map");
        AssertOneLineFailure(Rawbpf("struct_ops", "show", "id", "x1"), "rawbpf: invalid id \"x1\": expected a map id (a positive number)");
        AssertOneLineFailure(Rawbpf("struct_ops", "show", "id", "4294967295"), "rawbpf: no map with id 4294967295");
        AssertOneLineFailure(Rawbpf("struct_ops", "show", "ids", "1"), "rawbpf: expected NAME, \"name NAME\" or \"id ID\", got \"ids 1\"");
        var usage = Rawbpf("struct_ops", "unregister");
        Assert.Equal(2, usage.ExitCode);
        Assert.StartsWith("rawbpf: struct_ops unregister: missing NAME | name NAME | id ID\n", usage.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void ShowWithoutCapSysAdminNamesTheCapabilityInOneLine()
    {
        // The kernel walks map ids for CAP_SYS_ADMIN only; CAP_BPF and CAP_PERFMON are not enough.
        var result = ExternalTool.Run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=+bpf,+perfmon",
            "--ambient-caps=+bpf,+perfmon", RawbpfBinary.Path, "struct_ops", "show");
        AssertOneLineFailure(result, "rawbpf: bpf(BPF_MAP_GET_NEXT_ID) failed: EPERM (Operation not permitted); hint: BPF_MAP_GET_NEXT_ID needs CAP_SYS_ADMIN, which this process lacks: CAP_BPF does not open other processes' BPF objects by id");
    }

    /// <summary>Whatever a test registered goes, even when it failed: a leftover congestion control breaks later runs.</summary>
    public void Dispose()
    {
        try
        {
            foreach (var name in new[] { Plain, LinkedObjectsPlain })
            {
                foreach (var id in Ids(name))
                    ExternalTool.Run("bpftool", "struct_ops", "unregister", "id", $"{id}");
            }
        }
        finally
        {
            // Removing the link pin releases the link, which unregisters rawbpf_cli_lnk.
            _pins.Dispose();
        }
    }

    private static ExternalTool.Result Rawbpf(params string[] arguments) => ExternalTool.Run(RawbpfBinary.Path, arguments);

    private static bool IsRegistered(string name) => File.ReadAllText(Available).Split(' ', '\n').Contains(name);

    /// <summary>The ids of the struct_ops maps named <paramref name="name"/>, from bpftool.</summary>
    private static List<uint> Ids(string name)
    {
        using var maps = JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "-j", "struct_ops", "show"));
        return [.. maps.RootElement.EnumerateArray().Where(m => m.GetProperty("name").GetString() == name).Select(m => m.GetProperty("id").GetUInt32())];
    }

    private static void AssertSuccess(ExternalTool.Result result)
    {
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        Assert.Equal("", result.StandardError);
    }

    private static void AssertOneLineFailure(ExternalTool.Result result, string line)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(line + "\n", result.StandardError);
        Assert.Empty(result.StandardOutput);
    }

    [GeneratedRegex(@"^Registered tcp_congestion_ops rawbpf_cli_cc id (\d+)\n$")]
    private static partial Regex RegisteredPlain();
}
