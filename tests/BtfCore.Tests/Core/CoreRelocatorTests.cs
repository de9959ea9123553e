using RawBpf.BtfCore.Core;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests.Core;

/// <summary>The engine's API, module fallback and its behaviour on malformed relocations.</summary>
public sealed class CoreRelocatorTests
{
    private static BpfObjectFile CoreTypes => new(LibbpfOracle.BuiltObject("tests/core_types.bpf.o"));

    [Fact]
    public void Results_name_section_instruction_and_specs_like_libbpf()
    {
        var file = new BpfObjectFile(LibbpfOracle.BuiltObject("tests/core_fields.bpf.o"));
        var instructions = file.Instructions("raw_tp/sys_enter");
        var results = new CoreRelocator(file.LocalBtf, file.Ext, [LibbpfOracle.Vmlinux]).ApplySection("raw_tp/sys_enter", instructions);

        var pid = results[0];
        Assert.Equal("raw_tp/sys_enter", pid.SectionName);
        Assert.Equal(0, pid.RelocationIndex);
        Assert.Equal(BpfCoreRelocationKind.FieldByteOffset, pid.Kind);
        Assert.Equal(pid.SectionInstructionIndex, pid.InstructionIndex);
        Assert.Equal("<byte_off> [5] struct task_struct___v2.pid (0:10 @ offset 72)", pid.LocalSpec.ToString());
        Assert.StartsWith("<byte_off> [", pid.TargetSpec!.ToString());
        Assert.Contains("] struct task_struct.pid (0:", pid.TargetSpec.ToString());
        Assert.Equal(72UL, pid.OriginalValue);
        Assert.Equal((ulong)instructions[pid.InstructionIndex].Immediate, pid.NewValue);
        Assert.False(pid.Poisoned);
        Assert.Contains("relo #0 in 'raw_tp/sys_enter' at insn #", pid.ToString());
    }

    [Fact]
    public void Modules_are_searched_only_when_vmlinux_has_no_candidate()
    {
        var target = BtfFiles.Read(LibbpfOracle.CompileOracleSource("target_flavors.c"));
        var local = new BpfObjectFile(LibbpfOracle.CompileOracleSource("core_flavors.bpf.c"));
        var section = "raw_tp/sys_enter";

        // rawbpf_agree is in no kernel: found in the "module" after vmlinux, with the results of using it alone.
        var alone = new CoreRelocator(local.LocalBtf, local.Ext, [target]).ApplySection(section, local.Instructions(section));
        var asModule = new CoreRelocator(local.LocalBtf, local.Ext, [LibbpfOracle.Vmlinux, target]).ApplySection(section, local.Instructions(section));
        Assert.Equal(alone.Select(r => (r.NewValue, r.Poisoned)), asModule.Select(r => (r.NewValue, r.Poisoned)));
        Assert.Equal(target.SectionName, asModule[0].TargetSpec!.Source);

        // task_struct is in vmlinux: a module is never consulted.
        var types = CoreTypes;
        var vmlinuxOnly = new CoreRelocator(types.LocalBtf, types.Ext, [LibbpfOracle.Vmlinux]).ApplySection(section, types.Instructions(section));
        var withModule = new CoreRelocator(types.LocalBtf, types.Ext, [LibbpfOracle.Vmlinux, target]).ApplySection(section, types.Instructions(section));
        Assert.Equal(vmlinuxOnly.Select(r => r.NewValue), withModule.Select(r => r.NewValue));
        Assert.All(withModule.Where(r => r.TargetSpec is not null), r => Assert.Equal(LibbpfOracle.Vmlinux.SectionName, r.TargetSpec!.Source));
    }

    [Fact]
    public void Apply_skips_relocations_of_programs_not_given_and_uses_program_relative_indexes()
    {
        var file = CoreTypes;
        var section = file.Instructions("raw_tp/sys_enter");
        // The program as if it started 3 instructions into its section: only relocations inside it apply.
        var program = new CoreProgram("tail", "raw_tp/sys_enter", 3, section.AsMemory(3));
        var results = new CoreRelocator(file.LocalBtf, file.Ext, [LibbpfOracle.Vmlinux]).Apply([program]);
        var all = file.Ext.CoreRelocations.ForSection("raw_tp/sys_enter")!;
        Assert.Equal(Enumerable.Range(0, all.Count).Count(i => all.GetCoreRelocation(i).InstructionOffset / 8 >= 3), results.Count);
        Assert.All(results, r => Assert.Equal(r.SectionInstructionIndex - 3, r.InstructionIndex));
        Assert.All(results, r => Assert.Equal("tail", r.ProgramName));
    }

    [Fact]
    public void Malformed_relocations_give_a_typed_error_never_a_crash()
    {
        var file = CoreTypes;
        var btf = file.LocalBtf;
        var records = file.Ext.CoreRelocations.ForSection("raw_tp/sys_enter")!;
        var random = new Random(20261125);
        var instructions = file.Instructions("raw_tp/sys_enter");
        var errors = 0;
        for (var round = 0; round < 5000; round++)
        {
            var good = records.GetCoreRelocation(random.Next(records.Count));
            var relocation = (random.Next(5)) switch
            {
                0 => good with { TypeId = random.Next(-2, btf.LastTypeId + 5) },
                1 => good with { AccessStringOffset = (uint)random.Next(0, btf.StringsLength + 10) },
                2 => good with { Kind = (BpfCoreRelocationKind)random.Next(0, 16) },
                3 => good with { InstructionOffset = (uint)random.Next(0, instructions.Length * 8 + 64) },
                _ => new BpfCoreRelocation((uint)random.Next(0, 64) * 8, random.Next(0, btf.LastTypeId + 1),
                    (uint)random.Next(0, btf.StringsLength), (BpfCoreRelocationKind)random.Next(0, 13)),
            };
            var relocator = new CoreRelocator(btf, file.Ext, [LibbpfOracle.Vmlinux]);
            try
            {
                var result = relocator.Resolve("raw_tp/sys_enter", round, relocation);
                CoreRelocator.Patch(instructions.AsSpan(), (int)(relocation.InstructionOffset / 8), result);
            }
            catch (CoreRelocationException e)
            {
                Assert.Contains("raw_tp/sys_enter: CO-RE relo #", e.Message);
                errors++;
            }
        }
        Assert.True(errors > 1000);
    }

    [Fact]
    public void A_user_supplied_target_without_the_type_poisons_or_zeroes()
    {
        var file = new BpfObjectFile(LibbpfOracle.BuiltObject("tests/core_fields.bpf.o"));
        var emptyTarget = BtfFiles.Read(LibbpfOracle.CompileOracleSource("target_flavors.c"));
        var instructions = file.Instructions("raw_tp/sys_enter");
        var results = new CoreRelocator(file.LocalBtf, file.Ext, [emptyTarget]).ApplySection("raw_tp/sys_enter", instructions);
        foreach (var result in results)
        {
            Assert.Null(result.TargetSpec);
            if (result.Kind == BpfCoreRelocationKind.FieldExists)
                Assert.Equal(0, instructions[result.InstructionIndex].Immediate);
            else
                Assert.True(result.Poisoned && instructions[result.InstructionIndex].Immediate == CoreRelocator.PoisonHelperId, result.ToString());
        }
    }
}
