using System.Text.Json;
using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>
/// The published <c>rawbpf prog loadall</c> where its PINDIR or its privileges are wrong: one line that says what
/// is true for this call, exit code 1, and nothing left behind (no directory made, no pin, no program loaded).
/// </summary>
[Collection(RawExitSnoopCollection.Name)] // counts multi_prog's programs system-wide: not beside the other loadall tests
public sealed class RawbpfPinTests
{
    private const string FirstProgram = "prog_enter";
    private const string SecondProgram = "prog_exit";

    private static string MultiProg => Path.Combine(RepoPaths.TestBpfObjects, "multi_prog.bpf.o");

    [Fact]
    public void Pindir_outside_bpffs_is_refused_before_anything_is_made()
    {
        using var pins = new PinDirectories();
        var pinDirectory = Path.Combine(pins.Scratch, "rawbpf-h4", "pins");
        var result = RunLeavingNothingLoaded("prog", "loadall", MultiProg, pinDirectory);

        AssertOneLineFailure(result, $"rawbpf: {pinDirectory} would be made in {pins.Scratch}, which is not on a BPF file system: pins live in a bpffs mount (mount -t bpf bpf /sys/fs/bpf)");
        Assert.Empty(Directory.EnumerateFileSystemEntries(pins.Scratch));
    }

    [Fact]
    public void Existing_pindir_outside_bpffs_is_named()
    {
        using var pins = new PinDirectories();
        var result = RunLeavingNothingLoaded("prog", "loadall", MultiProg, pins.Scratch);

        AssertOneLineFailure(result, $"rawbpf: {pins.Scratch} is not on a BPF file system: pins live in a bpffs mount (mount -t bpf bpf /sys/fs/bpf)");
        Assert.Empty(Directory.EnumerateFileSystemEntries(pins.Scratch));
    }

    [Fact]
    public void Pindir_through_a_symlink_out_of_bpffs_is_refused_and_nothing_is_made_there()
    {
        using var pins = new PinDirectories();
        var link = Path.Combine(pins.Root, "to-tmp");
        File.CreateSymbolicLink(link, pins.Scratch);
        var pinDirectory = Path.Combine(link, "evil", "sub");
        var result = RunLeavingNothingLoaded("prog", "loadall", MultiProg, pinDirectory);

        AssertOneLineFailure(result, $"rawbpf: {pinDirectory} would be made in {link} (a symbolic link to {pins.Scratch}), which is not on a BPF file system: pins live in a bpffs mount (mount -t bpf bpf /sys/fs/bpf)");
        Assert.Empty(Directory.EnumerateFileSystemEntries(pins.Scratch));
    }

    [Fact]
    public void Pindir_that_is_a_pinned_object_is_named_as_one()
    {
        using var pins = new PinDirectories();
        ExternalTool.RunChecked("bpftool", "prog", "loadall", MultiProg, pins.Libbpf);
        var pinned = Path.Combine(pins.Libbpf, FirstProgram);
        var result = RunLeavingNothingLoaded("prog", "loadall", MultiProg, Path.Combine(pinned, "sub"));

        AssertOneLineFailure(result, $"rawbpf: {pinned} is a pinned BPF object (a program, map or link), not a directory: choose another directory or remove the pin (rm {pinned})");
        Assert.Equal([FirstProgram, SecondProgram], PinsIn(pins.Libbpf));
    }

    [Fact]
    public void A_failed_pin_removes_the_pins_made_before_it_and_keeps_what_was_there()
    {
        using var pins = new PinDirectories();
        // Something else already holds the second program's name: the first pin succeeds, the second fails.
        Directory.CreateDirectory(pins.Rawbpf);
        var occupied = Path.Combine(pins.Rawbpf, SecondProgram);
        ExternalTool.RunChecked("bpftool", "prog", "load", Path.Combine(RepoPaths.TestBpfObjects, "core_fields.bpf.o"), occupied);
        var result = RunLeavingNothingLoaded("prog", "loadall", MultiProg, pins.Rawbpf, "--explain");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"bpf(BPF_OBJ_PIN, pathname=\"{Path.Combine(pins.Rawbpf, FirstProgram)}\"", result.StandardError, StringComparison.Ordinal);
        var verdict = result.StandardError.TrimEnd('\n').Split('\n')[^1];
        Assert.Equal($"rawbpf: bpf(BPF_OBJ_PIN) failed: EEXIST (File exists) for \"{occupied}\"; hint: {occupied} already exists: remove it (rm {occupied}) or pin under another name", verdict);
        Assert.Equal([SecondProgram], PinsIn(pins.Rawbpf));
        Assert.Equal("core_fields", ProgramName(occupied));
    }

    [Fact]
    public void A_failed_map_pin_removes_the_program_pins_and_the_directories_made()
    {
        using var pins = new PinDirectories();
        Directory.CreateDirectory(pins.RawbpfMaps);
        ExternalTool.RunChecked("bpftool", "map", "create", Path.Combine(pins.RawbpfMaps, "calls_by_tgid"), "type", "array", "key", "4", "value", "4", "entries", "1", "name", "occupier");
        var pinDirectory = Path.Combine(pins.Rawbpf, "made", "here");
        var result = RunLeavingNothingLoaded("prog", "loadall", MultiProg, pinDirectory, "--pinmaps", pins.RawbpfMaps);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("EEXIST", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(pins.Rawbpf), $"{pins.Rawbpf} was left behind");
        Assert.Equal(["calls_by_tgid"], PinsIn(pins.RawbpfMaps));
    }

    [Fact]
    public void A_user_without_capabilities_is_told_which_ones_and_not_about_memlock()
    {
        using var pins = new PinDirectories();
        // A bpffs directory nobody may write to, so the failure is the load's, not the directory's.
        Directory.CreateDirectory(pins.Rawbpf);
        ExternalTool.RunChecked("chown", "65534:65534", pins.Root, pins.Rawbpf);
        var result = RunLeavingNothingLoaded("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
            RawbpfBinary.Path, "prog", "loadall", MultiProg, pins.Rawbpf);

        // BTF is optional (loaded without it, as libbpf does); the first map is not. Whichever call fails, the
        // hint gives what the whole object needs: CAP_BPF, and CAP_PERFMON for its raw_tp programs.
        var sysctl = File.ReadAllText("/proc/sys/kernel/unprivileged_bpf_disabled").Trim();
        var disabled = sysctl == "0" ? "" : $" (kernel.unprivileged_bpf_disabled={sysctl})";
        AssertOneLineFailure(result, $"rawbpf: object 'multi_prog': bpf(BPF_MAP_CREATE) failed: EPERM (Operation not permitted) for map \"perf_events\" (PERF_EVENT_ARRAY); hint: loading object 'multi_prog' needs CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8), which this process lacks{disabled}: run it as root or grant them", asRoot: false);
        Assert.Empty(PinsIn(pins.Rawbpf));
    }

    [Fact]
    public void Root_without_cap_perfmon_is_told_so_and_never_to_run_as_root()
    {
        using var pins = new PinDirectories();
        // Root, with CAP_PERFMON and CAP_SYS_ADMIN (which implies it) out of the bounding set: BTF and maps load
        // (CAP_BPF), the raw_tp program does not, and the kernel leaves no verifier log.
        var result = RunLeavingNothingLoaded("setpriv", "--bounding-set=-perfmon,-sys_admin", "--inh-caps=-all",
            RawbpfBinary.Path, "prog", "loadall", MultiProg, pins.Rawbpf);

        AssertOneLineFailure(result, $"rawbpf: program '{FirstProgram}' was refused by the kernel (EPERM) without a verifier log; hint: BPF_PROG_LOAD needs CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8), which this process lacks: root's capability set was reduced for this process");
        Assert.False(Directory.Exists(pins.Rawbpf), $"{pins.Rawbpf} was left behind");
    }

    /// <summary>One line, exit code 1; run as root (all but one case), it never tells root to run as root.</summary>
    private static void AssertOneLineFailure(ExternalTool.Result result, string expected, bool asRoot = true)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.Equal(expected + "\n", result.StandardError);
        if (asRoot)
            Assert.DoesNotContain("as root", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("MemlockLimit", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("verifier (", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs rawbpf (the published binary, or a launcher given first), then waits until no program of multi_prog
    /// that was not there before is loaded: a failed call must leave none (the kernel frees them shortly after
    /// the process exits).
    /// </summary>
    private static ExternalTool.Result RunLeavingNothingLoaded(params string[] arguments)
    {
        var before = MultiProgPrograms();
        var result = arguments[0] == "setpriv"
            ? ExternalTool.Run(arguments[0], arguments[1..])
            : ExternalTool.Run(RawbpfBinary.Path, arguments);
        var deadline = DateTime.UtcNow + Limits.Wait;
        HashSet<int> left;
        while ((left = MultiProgPrograms().Except(before).ToHashSet()).Count > 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
        Assert.True(left.Count == 0, $"programs left loaded: {string.Join(", ", left)}; rawbpf said: {result.StandardError}");
        return result;
    }

    /// <summary>Ids of the loaded programs named as multi_prog's (bpftool prog show).</summary>
    private static HashSet<int> MultiProgPrograms()
    {
        using var shown = JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "prog", "show", "-j"));
        return shown.RootElement.EnumerateArray()
            .Where(p => p.TryGetProperty("name", out var name) && name.GetString() is FirstProgram or SecondProgram)
            .Select(p => p.GetProperty("id").GetInt32())
            .ToHashSet();
    }

    private static string[] PinsIn(string directory) =>
        Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private static string ProgramName(string pinned)
    {
        using var shown = JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "prog", "show", "pinned", pinned, "-j"));
        return shown.RootElement.GetProperty("name").GetString()!;
    }
}
