using System.Text.RegularExpressions;
using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>
/// <c>rawbpf object</c>: programs and maps as the ELF says, and each CO-RE relocation resolved as libbpf resolves it
/// (libbpf's own debug narration, from <c>bpftool -d prog loadall</c>, is the oracle).
/// </summary>
public sealed partial class RawbpfObjectTests
{
    [Theory]
    [InlineData("tests/core_fields.bpf.o")]
    [InlineData("tests/core_types.bpf.o")]
    [InlineData("tests/core_type_matches.bpf.o")]
    [InlineData("tests/rejected/core_poisoned.bpf.o")]
    [InlineData("exitsnoop.bpf.o")]
    public void Core_relocations_resolve_as_libbpf_resolves_them(string objectName)
    {
        var objectPath = Path.Combine(RepoPaths.BpfObjects, objectName);
        var expected = LibbpfResolutions(objectPath);
        Assert.NotEmpty(expected);

        var result = RawbpfProcess.Run("object", objectPath);
        Assert.Equal("", result.StandardError);
        Assert.Equal(0, result.ExitCode);
        var lines = result.StandardOutputText.Split('\n');
        var header = Array.FindIndex(lines, l => l.StartsWith("CO-RE relocations: ", StringComparison.Ordinal));
        Assert.Equal($"CO-RE relocations: {expected.Count}", lines[header]);
        var actual = lines.Skip(header + 1).Where(l => l.Length > 0).Select(l => l.Trim()).Order(StringComparer.Ordinal);
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual);
    }

    [Fact]
    public void A_format_error_names_the_file_then_the_section_and_offset()
    {
        var input = Path.Combine(Path.GetTempPath(), $"rawbpf-object-{Environment.ProcessId}.bpf.o");
        var elf = File.ReadAllBytes(Path.Combine(RepoPaths.BpfObjects, "tests/minimal.bpf.o"));
        File.WriteAllBytes(input, elf.AsSpan(0, 40).ToArray());
        try
        {
            foreach (var command in new[] { new[] { "object", input }, ["prog", "loadall", input, "/sys/fs/bpf/rawbpf-object-format-error"] })
            {
                var result = RawbpfProcess.Run(command);
                Assert.Equal(1, result.ExitCode);
                Assert.StartsWith($"rawbpf: {input}: ELF header: ", result.StandardError, StringComparison.Ordinal);
                Assert.Equal(1, result.StandardError.Count(c => c == '\n'));
            }
        }
        finally
        {
            File.Delete(input);
        }
    }

    [Fact]
    public void Programs_and_maps_are_listed_with_their_kernel_facts()
    {
        var result = RawbpfProcess.Run("object", Path.Combine(RepoPaths.TestBpfObjects, "multi_prog.bpf.o"));
        Assert.Equal(0, result.ExitCode);
        var text = result.StandardOutputText;
        Assert.Contains("  prog_enter  section raw_tp/sys_enter  type raw_tracepoint  insns ", text, StringComparison.Ordinal);
        Assert.Contains("  prog_exit  section raw_tp/sys_exit  type raw_tracepoint  insns ", text, StringComparison.Ordinal);
        Assert.Contains("  record_call  section .text  subprogram  insns ", text, StringComparison.Ordinal);
        Assert.Contains("  calls_by_tgid  type hash  key 4B  value 8B  max_entries 128  flags 0x0\n", text, StringComparison.Ordinal);
        Assert.Contains("  calls_per_cpu  type percpu_array  key 4B  value 8B  max_entries 1  flags 0x0\n", text, StringComparison.Ordinal);
        Assert.Contains("  multi_pr.rodata  type array  key 4B  value ", text, StringComparison.Ordinal);
        Assert.Contains("CO-RE relocations: 0\n", text, StringComparison.Ordinal);

        // Instruction counts as the ELF symbol sizes say (readelf is the oracle: st_size / 8).
        var symbols = System.Text.Encoding.UTF8.GetString(ExternalTool.RunChecked("readelf", "-sW", Path.Combine(RepoPaths.TestBpfObjects, "multi_prog.bpf.o")));
        foreach (var function in new[] { "prog_enter", "prog_exit", "record_call" })
        {
            var size = int.Parse(Regex.Match(symbols, $@"\s(\d+)\s+FUNC\s+\S+\s+\S+\s+\d+\s+{function}\n").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains($"  {function}  section ", text, StringComparison.Ordinal);
            Assert.Matches($@"  {function}  section \S+  [a-z_ ]+  insns {size / 8}\n", text);
        }
    }

    [Fact]
    public void Kernel_btf_from_a_file_gives_the_same_resolutions()
    {
        var objectPath = Path.Combine(RepoPaths.TestBpfObjects, "core_fields.bpf.o");
        var fromSysfs = RawbpfProcess.Run("object", objectPath);
        var fromFile = RawbpfProcess.Run("object", objectPath, "--btf", "/sys/kernel/btf/vmlinux");
        Assert.Equal(0, fromFile.ExitCode);
        Assert.Equal(fromSysfs.StandardOutputText, fromFile.StandardOutputText);
    }

    /// <summary>
    /// libbpf's debug log of a load, turned into rawbpf object's line format:
    /// <c>prog 'P' insn #I relo #N: LOCAL => TARGET|missing: OLD -> NEW|poisoned</c>.
    /// </summary>
    private static List<string> LibbpfResolutions(string objectPath)
    {
        using var pins = new PinDirectories();
        // The load may fail (the poisoned object): only the CO-RE narration before it matters.
        var log = ExternalTool.Run("bpftool", "-d", "prog", "loadall", objectPath, pins.Libbpf).StandardError;
        var relocations = new Dictionary<(string Program, int Index), Resolution>();
        foreach (var line in log.Split('\n'))
        {
            var match = LibbpfLog.RelocationLine().Match(line);
            if (!match.Success)
                continue;
            var key = (match.Groups["prog"].Value, int.Parse(match.Groups["relo"].Value, System.Globalization.CultureInfo.InvariantCulture));
            var text = match.Groups["text"].Value;
            if (!relocations.TryGetValue(key, out var resolution))
                relocations[key] = resolution = new Resolution { Local = text };
            else if (MatchingCandidate().Match(text) is { Success: true } candidate)
                resolution.Target ??= candidate.Groups[1].Value;
            else if (Patched().Match(text) is { Success: true } patched)
                resolution.Outcome ??= (patched.Groups["insn"].Value, $"{patched.Groups["old"].Value} -> {patched.Groups["new"].Value}");
            else if (LibbpfLog.PoisonLine().Match(text) is { Success: true } substituted)
                resolution.Outcome = (substituted.Groups["insn"].Value, "poisoned");
        }
        return relocations.Select(r =>
            $"prog '{r.Key.Program}' insn #{r.Value.Outcome!.Value.Insn} relo #{r.Key.Index}: {r.Value.Local} => {r.Value.Target ?? NoTarget(r.Value.Local)}: {r.Value.Outcome.Value.Text}").ToList();
    }

    /// <summary>libbpf names no candidate for TYPE_ID_LOCAL (it never looks at the kernel), nor for a type or field the kernel lacks.</summary>
    private static string NoTarget(string localSpec) => localSpec.StartsWith("<local_type_id>", StringComparison.Ordinal) ? "local" : "missing";

    private sealed class Resolution
    {
        public required string Local { get; init; }
        public string? Target { get; set; }
        public (string Insn, string Text)? Outcome { get; set; }
    }

    [GeneratedRegex(@"^matching candidate #\d+ (.*)$")]
    private static partial Regex MatchingCandidate();

    [GeneratedRegex(@"^patched insn #(?<insn>\d+) \([^)]*\) (?:imm|off|imm64) (?<old>\d+) -> (?<new>\d+)$")]
    private static partial Regex Patched();

}
