using System.Text.RegularExpressions;
using RawBpf.BtfCore;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests;

/// <summary>
/// .BTF.ext of the probe object against libbpf's CO-RE log (<c>bpftool -d gen min_core_btf</c>) and the kernel's
/// view of line and func info after bpftool loads the object (<c>bpftool prog dump xlated ... linum</c>).
/// </summary>
public sealed partial class BtfExtOracleTests(ExtProbeFixture probe) : IClassFixture<ExtProbeFixture>
{
    private const string ExitSection = ExtProbeFixture.ExitSection;
    private const string ForkSection = ExtProbeFixture.ForkSection;

    [GeneratedRegex(@"^libbpf: prog '(?<sec>[^']+)': relo #(?<n>\d+): <(?<kind>\w+)> \[(?<id>\d+)\][^(]*(\((?<access>[\d:]+) @ offset \d+\))?$")]
    private static partial Regex CoreReloLine();

    [GeneratedRegex(@"^; (?<src>.*) \[file:(?<file>.*) line_num:(?<line>\d+) line_col:(?<col>\d+)\]$")]
    private static partial Regex LineInfoLine();

    [GeneratedRegex(@"^ *(?<insn>\d+): \(")]
    private static partial Regex InstructionLine();

    [GeneratedRegex(@"^\S.* \**(?<name>\w+)\(.*\):$")]
    private static partial Regex FunctionHeader();

    [Fact]
    public void Core_relocations_match_libbpf()
    {
        var log = ExternalTool.Run("bpftool", "-d", "gen", "min_core_btf", BtfFiles.Vmlinux,
            Path.Combine(probe.Directory, "min.btf"), probe.ObjectPath);
        Assert.Equal(0, log.ExitCode);
        var expected = log.StandardError.Split('\n').Select(line => CoreReloLine().Match(line)).Where(m => m.Success)
            .Select(m => (Section: m.Groups["sec"].Value, Index: int.Parse(m.Groups["n"].Value), Kind: m.Groups["kind"].Value,
                TypeId: int.Parse(m.Groups["id"].Value), Access: m.Groups["access"].Success ? m.Groups["access"].Value : null))
            .ToList();
        Assert.Equal(7, expected.Count);
        var actual = new List<(string, int, string, int, string?)>();
        foreach (var section in probe.Ext.CoreRelocations.Sections)
        {
            for (var i = 0; i < section.Count; i++)
            {
                var relo = section.GetCoreRelocation(i);
                var access = probe.Btf.GetString(relo.AccessStringOffset);
                var isField = relo.Kind <= BpfCoreRelocationKind.FieldRShiftU64;
                actual.Add((section.SectionName, i, RawBpf.BtfCore.Core.CoreRelocationKinds.LibbpfName(relo.Kind), relo.TypeId, isField ? access : null));
                Assert.Equal(0u, relo.InstructionOffset % BpfInstruction.Size);
                Assert.True(relo.InstructionOffset / BpfInstruction.Size < probe.InstructionCount(section.SectionName));
            }
        }
        Assert.Equal(expected.Order(), actual.Order());
        // Local types are found by essential name in the object's own BTF.
        var local = probe.Btf.GetType(expected[0].TypeId);
        Assert.Equal("task_struct___v2", local.Name);
    }

    [Fact]
    public void Line_and_func_info_match_what_the_kernel_loaded()
    {
        BpfFs.EnsureMounted();
        var pinDirectory = $"/sys/fs/bpf/rawbpf-btfext-{Environment.ProcessId}";
        ExternalTool.RunChecked("bpftool", "prog", "loadall", probe.ObjectPath, pinDirectory);
        try
        {
            // libbpf appends the subprogram (all of .text here) after each program that calls it.
            foreach (var (section, program) in new[] { (ExitSection, "on_exit"), (ForkSection, "on_fork") })
            {
                var dump = ExternalTool.RunChecked("bpftool", "prog", "dump", "xlated", "pinned", $"{pinDirectory}/{program}", "linum");
                var (kernelLines, kernelFunctions) = ParseXlated(System.Text.Encoding.UTF8.GetString(dump));
                var shift = probe.InstructionCount(section);
                var expectedLines = LineRecords(section, 0).Concat(LineRecords(".text", shift)).ToList();
                var expectedFunctions = FuncRecords(section, 0).Concat(FuncRecords(".text", shift)).ToList();
                Assert.Equal(kernelLines, expectedLines);
                Assert.Equal(kernelFunctions, expectedFunctions);
            }
        }
        finally
        {
            Directory.Delete(pinDirectory, recursive: true);
        }
    }

    private IEnumerable<(int Insn, string File, uint Line, uint Column, string Source)> LineRecords(string section, int shift)
    {
        var records = probe.Ext.LineInfo.ForSection(section)!;
        for (var i = 0; i < records.Count; i++)
        {
            var info = records.GetLineInfo(i);
            yield return ((int)(info.InstructionOffset / 8) + shift, probe.Btf.GetString(info.FileNameOffset), info.Line, info.Column,
                probe.Btf.GetString(info.LineOffset).Trim());
        }
    }

    private IEnumerable<(int Insn, string Name)> FuncRecords(string section, int shift)
    {
        var records = probe.Ext.FuncInfo.ForSection(section)!;
        for (var i = 0; i < records.Count; i++)
        {
            var info = records.GetFuncInfo(i);
            var func = probe.Btf.GetType(info.TypeId);
            Assert.Equal(BtfKind.Func, func.Kind);
            yield return ((int)(info.InstructionOffset / 8) + shift, func.Name);
        }
    }

    private static (List<(int, string, uint, uint, string)> Lines, List<(int, string)> Functions) ParseXlated(string text)
    {
        var lines = new List<(int, string, uint, uint, string)>();
        var functions = new List<(int, string)>();
        Match? pendingLine = null;
        string? pendingFunction = null;
        foreach (var line in text.Split('\n'))
        {
            if (LineInfoLine().Match(line) is { Success: true } info)
                pendingLine = info;
            else if (FunctionHeader().Match(line) is { Success: true } header)
                pendingFunction = header.Groups["name"].Value;
            else if (InstructionLine().Match(line) is { Success: true } insn)
            {
                var index = int.Parse(insn.Groups["insn"].Value);
                if (pendingLine is not null)
                    lines.Add((index, pendingLine.Groups["file"].Value, uint.Parse(pendingLine.Groups["line"].Value),
                        uint.Parse(pendingLine.Groups["col"].Value), pendingLine.Groups["src"].Value.Trim()));
                if (pendingFunction is not null)
                    functions.Add((index, pendingFunction));
                pendingLine = null;
                pendingFunction = null;
            }
        }
        return (lines, functions);
    }
}
