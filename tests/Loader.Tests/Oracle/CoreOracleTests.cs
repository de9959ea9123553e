using RawBpf.BtfCore.Core;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;
using Xunit.Abstractions;

namespace RawBpf.BtfCore.Tests.Core;

/// <summary>
/// The CO-RE engine against libbpf 1.1 on real clang-built objects and the running kernel's BTF: every
/// relocation must give libbpf's spec, value or poison, and final instruction.
/// </summary>
public sealed class CoreOracleTests(ITestOutputHelper output)
{
    private CoreComparison Compare(string objectPath, string? targetBtfPath = null)
    {
        var comparison = CoreComparison.Run(objectPath, targetBtfPath);
        output.WriteLine($"{Path.GetFileName(objectPath)}: {comparison.Results.Count} relocations agree with libbpf, " +
            $"{comparison.InstructionsCompared} final instructions identical, {comparison.Results.Count(r => r.Poisoned)} poisoned");
        return comparison;
    }

    private static CoreRelocationResult Find(CoreComparison comparison, string localSpec) =>
        comparison.Results.Single(r => r.LocalSpec.ToString() == localSpec);

    [Fact]
    public void Exitsnoop_matches_libbpf()
    {
        var comparison = Compare(LibbpfOracle.BuiltObject("exitsnoop.bpf.o"));
        Assert.True(comparison.Results.Count >= 10);
        Assert.Equal(0, comparison.Oracle.LoadResult);
        // group_dead exists on 6.18: the exists-guard turns to 1 and the guarded read is relocated, not poisoned.
        Assert.DoesNotContain(comparison.Results, r => r.Poisoned);
    }

    [Fact]
    public void Field_relocations_match_libbpf()
    {
        var comparison = Compare(LibbpfOracle.BuiltObject("tests/core_fields.bpf.o"));
        var kinds = comparison.Results.Select(r => r.Kind).ToHashSet();
        foreach (var kind in new[]
                 {
                     BpfCoreRelocationKind.FieldByteOffset, BpfCoreRelocationKind.FieldByteSize, BpfCoreRelocationKind.FieldExists,
                     BpfCoreRelocationKind.FieldSigned, BpfCoreRelocationKind.FieldLShiftU64, BpfCoreRelocationKind.FieldRShiftU64,
                 })
            Assert.Contains(kind, kinds);
        // A field in no kernel and a field of a type in no kernel: existence 0.
        Assert.Contains(comparison.Results, r => r.Kind == BpfCoreRelocationKind.FieldExists && r.NewValue == 0 && r.TargetSpec is null);
    }

    [Fact]
    public void Type_and_enum_relocations_match_libbpf()
    {
        var comparison = Compare(LibbpfOracle.BuiltObject("tests/core_types.bpf.o"));
        var kinds = comparison.Results.Select(r => r.Kind).ToHashSet();
        foreach (var kind in new[]
                 {
                     BpfCoreRelocationKind.TypeIdLocal, BpfCoreRelocationKind.TypeIdTarget, BpfCoreRelocationKind.TypeExists,
                     BpfCoreRelocationKind.TypeSize, BpfCoreRelocationKind.EnumValueExists, BpfCoreRelocationKind.EnumValueValue,
                 })
            Assert.Contains(kind, kinds);
    }

    [Fact]
    public void Type_matches_relocations_match_libbpf()
    {
        var comparison = Compare(LibbpfOracle.BuiltObject("tests/core_type_matches.bpf.o"));
        var matches = comparison.Results.Where(r => r.Kind == BpfCoreRelocationKind.TypeMatches).ToArray();
        Assert.True(matches.Length >= 10);
        Assert.Contains(matches, r => r.NewValue == 1);
        Assert.Contains(matches, r => r.NewValue == 0);
    }

    [Fact]
    public void Poisoning_size_changes_signed_enums_and_array_elements_match_libbpf()
    {
        var comparison = Compare(LibbpfOracle.CompileOracleSource("core_extra.bpf.c"));
        // A guarded offset of a field no kernel has: the ALU instruction becomes call 0xbad2310.
        var poisoned = comparison.Results.Where(r => r.Poisoned).ToArray();
        Assert.True(poisoned.Length >= 3);
        var program = comparison.Programs.Single(p => p.Name == "core_extra").Instructions.Span;
        // The subprogram's relocations (section .text) are applied to it before linking, under its own name.
        Assert.Equal(2, comparison.Results.Count(r => r.ProgramName == "subprog_tgid" && r.SectionName == ".text"));
        foreach (var result in poisoned)
        {
            Assert.Equal(BpfOpcode.ClassJmp | BpfOpcode.JumpCall, program[result.InstructionIndex].Opcode);
            Assert.Equal(0xbad2310, program[result.InstructionIndex].Immediate);
        }
        // A signed int read as u64 cannot be shrunk: poisoned; an unsigned one is (DW -> W).
        Assert.True(Find(comparison, "<byte_off> [5] struct task_struct___x.pid (0:0 @ offset 0)").FailMemorySizeAdjust);
        var flags = Find(comparison, "<byte_off> [12] struct signal_struct___x.flags (0:0 @ offset 0)");
        Assert.Equal((8u, 4u), (flags.OriginalSize, flags.NewSize));
        Assert.Equal(BpfOpcode.SizeW, BpfOpcode.SizeOf(program[flags.InstructionIndex].Opcode));
    }

    [Fact]
    public void Enum64_values_and_poisoned_ldimm64_match_libbpf()
    {
        var comparison = Compare(LibbpfOracle.CompileOracleSource("core_enum64.bpf.c", "clang-16"));
        var program = comparison.Programs.Single().Instructions.Span;
        var value = comparison.Results.Single(r => r.Kind == BpfCoreRelocationKind.EnumValueValue && !r.Poisoned);
        Assert.Equal(unchecked((ulong)-4095L), value.NewValue);
        var poisoned = comparison.Results.Single(r => r.Poisoned);
        // libbpf 1.1 poisons both halves of the ldimm64.
        Assert.Equal(0xbad2310, program[poisoned.InstructionIndex].Immediate);
        Assert.Equal(0xbad2310, program[poisoned.InstructionIndex + 1].Immediate);
    }

    [Fact]
    public void Flavors_in_a_user_supplied_target_match_libbpf()
    {
        var target = LibbpfOracle.CompileOracleSource("target_flavors.c");
        var comparison = Compare(LibbpfOracle.CompileOracleSource("core_flavors.bpf.c"), target);
        Assert.Equal(0, comparison.Oracle.LoadResult);
        Assert.Equal(2, Find(comparison, "<byte_off> [5] struct rawbpf_agree.same (0:0 @ offset 0)").MatchingCandidates);
    }

    [Fact]
    public void Ambiguous_candidates_fail_like_libbpf()
    {
        var target = LibbpfOracle.CompileOracleSource("target_flavors.c");
        var objectPath = LibbpfOracle.CompileOracleSource("core_ambiguous.bpf.c");
        var oracle = LibbpfOracle.Load(objectPath, target);
        Assert.NotEqual(0, oracle.LoadResult);
        var libbpf = oracle.Relocations.Single(r => r.Value.Messages.Any(m => m.Contains("ambiguity", StringComparison.Ordinal)));

        var file = new BpfObjectFile(objectPath);
        var relocator = new CoreRelocator(file.LocalBtf, file.Ext, [BtfFiles.Read(target)]);
        var error = Assert.Throws<CoreRelocationException>(() => relocator.ApplySection("raw_tp/sys_enter", file.Instructions("raw_tp/sys_enter")));
        output.WriteLine(error.Message);
        Assert.Equal(libbpf.Key.Relocation, error.RelocationIndex);
        Assert.Contains("field offset ambiguity: 128 != 32", error.Message);
        Assert.Contains("rawbpf_ambiguous___one.differs", error.Message);
        Assert.Contains("rawbpf_ambiguous___two.differs", error.Message);
        Assert.Equal("raw_tp/sys_enter", error.SectionName);
    }

    [Fact]
    public void Instruction_disagreeing_with_btf_fails_like_libbpf()
    {
        // clang 14 has no ENUM64: BTF keeps 0 where the instruction loads 0x100000000.
        var objectPath = LibbpfOracle.CompileOracleSource("core_enum64.bpf.c", "clang", "core_enum64_clang14");
        var oracle = LibbpfOracle.Load(objectPath);
        Assert.NotEqual(0, oracle.LoadResult);
        Assert.Contains(oracle.Log, l => l.Contains("relo #0: unexpected insn #0 (LDIMM64) value: got 4294967296, exp 0", StringComparison.Ordinal));

        var file = new BpfObjectFile(objectPath);
        var relocator = new CoreRelocator(file.LocalBtf, file.Ext, [LibbpfOracle.Vmlinux]);
        var error = Assert.Throws<CoreRelocationException>(() => relocator.ApplySection("raw_tp/sys_enter", file.Instructions("raw_tp/sys_enter")));
        Assert.Equal(0, error.RelocationIndex);
        Assert.Equal(0, error.InstructionIndex);
        Assert.Contains("unexpected insn #0 (LDIMM64) value: got 4294967296, exp 0 -> 18446744073709547521", error.Message);
    }
}
