using System.Buffers.Binary;
using System.Text.RegularExpressions;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Maps;
using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>
/// <c>rawbpf prog loadall OBJ PINDIR autoattach</c> (bpftool 7.3's keyword) and <c>rawbpf link show</c>: each program
/// attached by its section with its link pinned at PINDIR/&lt;function&gt;, counting real calls; bpftool the oracle.
/// </summary>
public sealed partial class RawbpfAutoAttachTests
{
    private const int Calls = 12;

    [Fact]
    public void Autoattach_pins_each_link_which_counts_real_calls_and_link_show_names_the_target()
    {
        using var pins = new PinDirectories();
        _ = AttachTestSupport.UprobeTarget;
        var result = RawbpfProcess.Run("prog", "loadall", Path.Combine(RepoPaths.TestBpfObjects, "uprobe_counts.bpf.o"), pins.Rawbpf, "autoattach", "--pinmaps", pins.RawbpfMaps);
        Assert.True(result.ExitCode == 0, result.StandardError);
        // bpftool's fallback for a section that names no target: the program itself is pinned.
        Assert.Equal("rawbpf: program manual_uprobe does not support autoattach, falling back to pinning\n", result.StandardError);
        Assert.Equal(["count_uprobe", "count_uretprobe", "manual_uprobe"], Directory.GetFileSystemEntries(pins.Rawbpf).Select(Path.GetFileName).Order());

        var entryLink = BpftoolLinkId(Path.Combine(pins.Rawbpf, "count_uprobe"));
        var exitLink = BpftoolLinkId(Path.Combine(pins.Rawbpf, "count_uretprobe"));
        ExternalTool.RunChecked(AttachTestSupport.UprobeTarget, Calls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var bss = BpfMap.OpenPinned(Path.Combine(pins.RawbpfMaps, "uprobe_c_bss")))
        {
            var value = new byte[bss.ValueBufferSize];
            Assert.True(bss.TryLookup(stackalloc byte[4], value));
            var offsets = BssOffsets();
            Assert.Equal((ulong)Calls, BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(offsets["uprobe_hits"])));
            Assert.Equal((ulong)Calls, BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(offsets["uretprobe_hits"])));
        }

        var show = RawbpfProcess.Run("link", "show");
        Assert.Equal(0, show.ExitCode);
        var offset = UprobeTargets.FindFunctionOffset(AttachTestSupport.UprobeTargetPath, "rawbpf_uprobe_target");
        Assert.Contains($"{entryLink}: perf_event  prog ", show.StandardOutputText, StringComparison.Ordinal);
        Assert.Contains($"\tuprobe {AttachTestSupport.UprobeTargetPath}+0x{offset:x}\n", show.StandardOutputText, StringComparison.Ordinal);
        Assert.Contains($"\turetprobe {AttachTestSupport.UprobeTargetPath}+0x{offset:x}\n", show.StandardOutputText, StringComparison.Ordinal);
        var pinned = RawbpfProcess.Run("link", "show", "pinned", Path.Combine(pins.Rawbpf, "count_uretprobe"));
        Assert.StartsWith($"{exitLink}: perf_event  prog ", pinned.StandardOutputText, StringComparison.Ordinal);
        var notALink = RawbpfProcess.Run("link", "show", "pinned", Path.Combine(pins.Rawbpf, "manual_uprobe"));
        Assert.Equal(1, notALink.ExitCode);
        Assert.Equal($"rawbpf: {Path.Combine(pins.Rawbpf, "manual_uprobe")} is not a pinned link (a program or map is pinned there?)\n", notALink.StandardError);

        // Unpinned, the links go: the pins were all that held them.
        foreach (var pin in Directory.GetFiles(pins.Rawbpf))
            File.Delete(pin);
        AttachTestSupport.AssertGone([entryLink, exitLink], []);
    }

    [Fact]
    public void Autoattach_of_what_the_kernel_lacks_fails_in_one_line_and_leaves_nothing()
    {
        using var pins = new PinDirectories();
        var result = RawbpfProcess.Run("prog", "loadall", Path.Combine(RepoPaths.TestBpfObjects, "kprobe_multi_counts.bpf.o"), pins.Rawbpf, "autoattach");
        if (KernelFeatures.HasKprobeMultiLink)
        {
            Assert.Equal(0, result.ExitCode);
            return;
        }

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("rawbpf: this kernel does not support kprobe.multi links (BPF_TRACE_KPROBE_MULTI): it needs Linux 5.18 built with CONFIG_FPROBE=y\n", result.StandardError);
        Assert.False(Directory.Exists(pins.Rawbpf));
    }

    [Fact]
    public void Hold_without_autoattach_and_a_stray_keyword_are_usage_errors()
    {
        using var pins = new PinDirectories();
        var hold = RawbpfProcess.Run("prog", "loadall", Path.Combine(RepoPaths.TestBpfObjects, "minimal.bpf.o"), pins.Rawbpf, "--hold");
        Assert.Equal(2, hold.ExitCode);
        Assert.Equal("rawbpf: --hold needs autoattach: without it nothing is attached to hold\n", hold.StandardError);
        var stray = RawbpfProcess.Run("prog", "loadall", Path.Combine(RepoPaths.TestBpfObjects, "minimal.bpf.o"), pins.Rawbpf, "autoatach");
        Assert.Equal(2, stray.ExitCode);
        Assert.Contains("unexpected \"autoatach\" after PINDIR (the only keyword there is autoattach)", stray.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The link id bpftool reports for a pin ("ID: perf_event  prog N").</summary>
    private static uint BpftoolLinkId(string pin)
    {
        var text = System.Text.Encoding.UTF8.GetString(ExternalTool.RunChecked("bpftool", "link", "show", "pinned", pin));
        var match = LinkLine().Match(text);
        Assert.True(match.Success, text);
        return uint.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>uprobe_counts' .bss globals and their offsets, from the object's BTF-described data section.</summary>
    private static Dictionary<string, int> BssOffsets()
    {
        var path = Path.Combine(RepoPaths.TestBpfObjects, "uprobe_counts.bpf.o");
        var file = BpfObjectFile.Parse(File.ReadAllBytes(path), Path.GetFileName(path));
        return new[] { "uprobe_hits", "uretprobe_hits" }.ToDictionary(name => name, name => (int)file.FindVariable(name)!.Value.Variable.Offset);
    }

    [GeneratedRegex(@"^(\d+): perf_event", RegexOptions.Multiline)]
    private static partial Regex LinkLine();
}
