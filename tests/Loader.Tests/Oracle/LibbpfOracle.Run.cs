using System.Globalization;
using System.Text.RegularExpressions;
using RawBpf.BtfCore.Core;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests.Core;

/// <summary>
/// The oracle run itself: tests/oracle/libbpf_insns.c calls bpf_object__load, which needs root and the kernel, so
/// it lives with the Loader tests; the sources and objects it runs on come from BtfCore.Tests' half of the class.
/// </summary>
internal static partial class LibbpfOracle
{
    private static readonly Lazy<string> OracleBinary = new(BuildOracle);

    private static string BuildOracle()
    {
        var output = Path.Combine(WorkDirectory, "libbpf_insns");
        Run("cc", $"-O1 -Wall -Werror -o {output} {Path.Combine(RepoRoot, "tests/oracle/libbpf_insns.c")} -lbpf -lelf -lz");
        return output;
    }

    public static OracleRun Load(string objectPath, string? targetBtfPath = null)
    {
        var arguments = targetBtfPath is null ? objectPath : $"{objectPath} {targetBtfPath}";
        return OracleRun.Parse(Run(OracleBinary.Value, arguments));
    }

    [GeneratedRegex(@"^libbpf: sec '(?<sec>[^']+)': found program '(?<name>[^']+)' at insn offset (?<off>\d+) \(\d+ bytes\), code size (?<size>\d+) insns")]
    internal static partial Regex FoundProgram();

    [GeneratedRegex(@"^patched insn #(?<insn>\d+) \((?<class>[^)]+)\) (?<what>imm64|imm|off|mem_sz) (?<from>\d+) -> (?<to>\d+)$")]
    internal static partial Regex PatchedLine();

    [GeneratedRegex(@"^libbpf: sec '[^']+': found (?<count>\d+) CO-RE relocations")]
    internal static partial Regex FoundRelocations();
}

/// <summary>What libbpf logged about one relocation of one program.</summary>
internal sealed class LibbpfRelocation
{
    public string? LocalSpec { get; set; }
    public string? FirstMatchingCandidate { get; set; }
    public int MatchingCandidates { get; set; }
    public int? PatchedInstruction { get; set; }
    public ulong? NewValue { get; set; }
    public uint? NewMemorySize { get; set; }
    public List<int> PoisonedInstructions { get; } = [];
    public List<string> Messages { get; } = [];
}

internal sealed record LibbpfProgram(string Name, string SectionName, int SectionInstructionOffset, int Size);

internal sealed class OracleRun
{
    public int LoadResult { get; private set; } = int.MinValue;
    public List<LibbpfProgram> Programs { get; } = [];
    public Dictionary<string, BpfInstruction[]> FinalInstructions { get; } = [];
    public Dictionary<(string Program, int Relocation), LibbpfRelocation> Relocations { get; } = [];
    public int CoreRelocationCount { get; private set; }
    public List<string> Log { get; } = [];

    public static OracleRun Parse(string output)
    {
        var run = new OracleRun();
        BpfInstruction[]? current = null;
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("log: ", StringComparison.Ordinal))
                run.ParseLog(line[5..]);
            else if (line.StartsWith("load ", StringComparison.Ordinal))
                run.LoadResult = int.Parse(line[5..], CultureInfo.InvariantCulture);
            else if (line.StartsWith("prog ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                current = new BpfInstruction[int.Parse(parts[4], CultureInfo.InvariantCulture)];
                run.FinalInstructions[parts[1]] = current;
            }
            else if (line.StartsWith("insn ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                var registers = byte.Parse(parts[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                current![int.Parse(parts[1], CultureInfo.InvariantCulture)] = new BpfInstruction(
                    byte.Parse(parts[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture), registers & 0xf, registers >> 4,
                    unchecked((short)ushort.Parse(parts[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture)),
                    unchecked((int)uint.Parse(parts[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
        }
        return run;
    }

    private void ParseLog(string line)
    {
        Log.Add(line);
        if (LibbpfOracle.FoundProgram().Match(line) is { Success: true } program)
        {
            Programs.Add(new LibbpfProgram(program.Groups["name"].Value, program.Groups["sec"].Value,
                int.Parse(program.Groups["off"].Value, CultureInfo.InvariantCulture), int.Parse(program.Groups["size"].Value, CultureInfo.InvariantCulture)));
            return;
        }
        if (LibbpfOracle.FoundRelocations().Match(line) is { Success: true } found)
        {
            CoreRelocationCount += int.Parse(found.Groups["count"].Value, CultureInfo.InvariantCulture);
            return;
        }
        var relocationLine = LibbpfLog.RelocationLine().Match(line.TrimEnd());
        if (!relocationLine.Success)
            return;
        var key = (relocationLine.Groups["prog"].Value, int.Parse(relocationLine.Groups["relo"].Value, CultureInfo.InvariantCulture));
        if (!Relocations.TryGetValue(key, out var relocation))
            Relocations[key] = relocation = new LibbpfRelocation();
        var text = relocationLine.Groups["text"].Value;
        relocation.Messages.Add(text);
        if (text.StartsWith('<') && relocation.LocalSpec is null)
            relocation.LocalSpec = text;
        else if (text.StartsWith("matching candidate #", StringComparison.Ordinal))
        {
            relocation.MatchingCandidates++;
            relocation.FirstMatchingCandidate ??= text[(text.IndexOf(' ', "matching candidate #".Length) + 1)..];
        }
        else if (LibbpfOracle.PatchedLine().Match(text) is { Success: true } patched)
        {
            relocation.PatchedInstruction = int.Parse(patched.Groups["insn"].Value, CultureInfo.InvariantCulture);
            var to = ulong.Parse(patched.Groups["to"].Value, CultureInfo.InvariantCulture);
            if (patched.Groups["what"].Value == "mem_sz")
                relocation.NewMemorySize = (uint)to;
            else
                relocation.NewValue = to;
        }
        else if (LibbpfLog.PoisonLine().Match(text) is { Success: true } poisoned)
        {
            relocation.PoisonedInstructions.Add(int.Parse(poisoned.Groups["insn"].Value, CultureInfo.InvariantCulture));
        }
    }
}
