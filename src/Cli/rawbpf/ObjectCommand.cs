using System.CommandLine;
using System.Text;
using RawBpf.BtfCore;
using RawBpf.BtfCore.Core;
using RawBpf.Cli.Common;
using RawBpf.Elf;
using RawBpf.Loader.Objects;
using RawBpf.Uapi;

namespace RawBpf.Cli;

/// <summary>
/// <c>rawbpf object OBJ [--btf FILE]</c>: what an object holds (programs, maps) and how each CO-RE relocation
/// resolves against the running kernel's BTF. Parsing and CO-RE only: nothing is created in the kernel.
/// </summary>
internal static class ObjectCommand
{
    public static Command Create()
    {
        var btfOption = KernelBtfOption.Create();
        var objectPath = new Argument<string>("OBJ") { Description = "A clang-built BPF object (ELF)" };
        var command = new Command("object", "Show an object's programs, maps and CO-RE relocations (resolved against the kernel)")
        {
            objectPath, btfOption,
        };
        command.SetAction(result => Run(result.GetRequiredValue(objectPath), result.GetValue(btfOption)));
        return command;
    }

    private static int Run(string objectPath, string? kernelBtfPath)
    {
        using var bpfObject = ObjectInput.Parse(objectPath, () => BpfObject.Open(objectPath));
        IReadOnlyList<CoreRelocationResult> relocations;
        // A failure reaches CliRunner, which reports it.
        using (var kernelTypes = kernelBtfPath is null ? KernelTypes.FromSystem() : KernelTypes.FromFile(kernelBtfPath))
            relocations = bpfObject.ResolveCoreRelocations(new BpfObjectLoadOptions { KernelTypes = kernelTypes });
        var text = new StringBuilder();
        Write(bpfObject.File, relocations, text);
        Console.Out.Write(text.ToString());
        return ExitCodes.Success;
    }

    internal static void Write(BpfObjectFile file, IReadOnlyList<CoreRelocationResult> relocations, StringBuilder text)
    {
        text.Append($"object {file.ObjectName} ({file.Path}) license \"{file.License}\"\n");

        var programs = file.Programs.ToList();
        text.Append($"programs: {programs.Count}\n");
        foreach (var program in programs)
        {
            var type = program.Info is { } info ? SnakeCase(info.ProgramType.ToString()) : "unknown";
            text.Append($"  {program.Name}  section {program.SectionName}  type {type}  insns {program.InstructionCount}\n");
        }
        foreach (var subprogram in file.Functions.Where(f => f.IsSubprogram))
            text.Append($"  {subprogram.Name}  section {subprogram.SectionName}  subprogram  insns {subprogram.InstructionCount}\n");

        text.Append($"maps: {file.Maps.Count}\n");
        foreach (var map in file.Maps)
        {
            text.Append($"  {map.Name}  type {SnakeCase(map.Type.ToString())}  key {map.KeySize}B  value {map.ValueSize}B  max_entries {map.MaxEntries}");
            text.Append($"  flags 0x{(uint)map.Flags:x}\n");
        }

        text.Append($"CO-RE relocations: {relocations.Count}\n");
        foreach (var relocation in relocations)
            text.Append("  ").Append(Describe(file, relocation)).Append('\n');
    }

    /// <summary>libbpf's debug form: "prog 'p' insn #5 relo #2: &lt;byte_off&gt; [7] struct s.f (0:1 @ offset 8) => [9] ... : 8 -> 16".</summary>
    internal static string Describe(BpfObjectFile file, CoreRelocationResult relocation)
    {
        var where = relocation.ProgramName is { } program ? $"prog '{program}'" : $"'{relocation.SectionName}'";
        // TYPE_ID_LOCAL never looks at the kernel: "local" rather than a "missing" that reads like a failure.
        var target = relocation.TargetSpec?.ToString() ?? (relocation.Kind == BpfCoreRelocationKind.TypeIdLocal ? "local" : "missing");
        var outcome = relocation.Poisoned ? "poisoned" : $"{ValueBefore(file, relocation)} -> {relocation.NewValue}";
        return $"{where} insn #{relocation.InstructionIndex} relo #{relocation.RelocationIndex}: {relocation.LocalSpec} => {target}: {outcome}";
    }

    /// <summary>
    /// The value the instruction carries before patching, as libbpf prints it: it differs from the local BTF's
    /// value where the relocation is not validated (a bitfield's byte size, which clang computes its own way).
    /// </summary>
    private static ulong ValueBefore(BpfObjectFile file, CoreRelocationResult relocation)
    {
        var index = relocation.SectionInstructionIndex;
        var section = (file.ProgramSections.FirstOrDefault(s => s.Name == relocation.SectionName)?.Instructions ?? ReadOnlyMemory<BpfInstruction>.Empty).Span;
        if (index >= section.Length)
            return relocation.OriginalValue;
        var instruction = section[index];
        if (instruction.IsLoadImmediate64 && index + 1 < section.Length)
            return (uint)instruction.Immediate | ((ulong)(uint)section[index + 1].Immediate << 32);
        return instruction.Class switch
        {
            BpfOpcode.ClassAlu or BpfOpcode.ClassAlu64 => (uint)instruction.Immediate,
            BpfOpcode.ClassLdx or BpfOpcode.ClassSt or BpfOpcode.ClassStx => (ulong)(long)instruction.Offset,
            _ => relocation.OriginalValue,
        };
    }

    /// <summary>PercpuArray → percpu_array, as bpftool names map and program types.</summary>
    private static string SnakeCase(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
                text.Append('_');
            text.Append(char.ToLowerInvariant(pascal[i]));
        }
        return text.ToString();
    }
}
