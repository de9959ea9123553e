using System.Globalization;
using RawBpf.Loader.Host;
using RawBpf.Loader.Objects;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// ksyms.bpf.o: .ksyms externs (a kfunc, an untyped symbol, a weak variable no kernel has) and .rodata bound to a
/// program that does not read it; optional_programs.bpf.o: a typed per-CPU ksym and SEC("?...") programs with the
/// prog_flags and attach BTF ids their sections call for. (LibbpfOracleTests compares ksyms.bpf.o with libbpf.)
/// </summary>
public class KsymTests
{
    /// <summary>optional_programs.bpf.o with only <paramref name="programs"/> autoloaded.</summary>
    private static BpfObject OpenWith(params string[] programs)
    {
        var obj = ObjectTestSupport.OpenTestObject("optional_programs.bpf.o");
        foreach (var program in obj.File.Programs)
            obj.SetAutoload(program.Name, programs.Contains(program.Name));
        return obj;
    }

    [Fact]
    public void KfuncCallsAndUntypedKsymsResolveAgainstTheRunningKernel()
    {
        using var obj = ObjectTestSupport.OpenTestObject("ksyms.bpf.o");
        obj.Load();

        Assert.Equal(0u, TestRun.Run(obj.GetProgram("ksyms")));
        Assert.Equal(KallsymsAddress("schedule"), ObjectTestSupport.ReadU64(obj, "schedule_address"));
        Assert.Equal(1u, ObjectTestSupport.ReadU32(obj, "missing_is_null"));
    }

    [Fact]
    public void TypedKsymIsLoadedByItsKernelBtfId()
    {
        using var obj = OpenWith("typed_ksym");
        if (KallsymsAddress("bpf_prog_active") is null)
        {
            // Without CONFIG_KALLSYMS_ALL the kernel cannot place the variable; naming it proves the BTF id was right.
            var e = Assert.Throws<BpfObjectLoadException>(() => obj.Load());
            Assert.Contains("ldimm64 failed to find the address for kernel symbol 'bpf_prog_active'", e.Message, StringComparison.Ordinal);
            return;
        }
        obj.Load();
        Assert.Equal(0u, TestRun.Run(obj.GetProgram("typed_ksym")));
        Assert.Equal(1u, ObjectTestSupport.ReadU32(obj, "prog_active_seen"));
    }

    [Fact]
    public void ReadOnlyDataIsBoundToProgramsThatDoNotReadIt()
    {
        using var obj = ObjectTestSupport.OpenTestObject("ksyms.bpf.o");
        obj.Load();

        // .bss from its code, .rodata (unused_knob, never read) from BPF_PROG_BIND_MAP.
        Assert.Equal(2u, obj.GetProgram("ksyms").GetInfo().MapCount);
    }

    [Fact]
    public void QuestionMarkProgramsLoadOnlyWhenAskedWithTheirSectionsFlagsAndAttachTypes()
    {
        using (var byDefault = ObjectTestSupport.OpenTestObject("optional_programs.bpf.o"))
        {
            byDefault.Load();
            Assert.Empty(byDefault.Programs);
        }

        // The verifier refuses a syscall program without BPF_F_SLEEPABLE, an iterator without bpf_iter_task's id.
        using var obj = OpenWith("sleepable_syscall", "dump_task");
        obj.Load();
        Assert.Equal(BpfProgramType.Syscall, obj.GetProgram("sleepable_syscall").GetInfo().Type);
        Assert.Equal(BpfProgramType.Tracing, obj.GetProgram("dump_task").GetInfo().Type);
    }

    [Fact]
    public void KallsymsLookupFindsEachNamesDistinctAddresses()
    {
        using var kallsyms = new StringReader("ffffffff81000000 T _text\nffffffff82259350 T schedule\n"
            + "ffffffff81000010 t helper\nffffffffc0000020 t helper\t[some_module]\nffffffff81000010 t helper\n");
        var found = KernelSymbols.Find(kallsyms, new HashSet<string>(["schedule", "helper", "absent"]));

        Assert.Equal(["helper", "schedule"], found.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([0xffffffff82259350], found["schedule"]);
        // Two distinct addresses: the loader refuses the name as ambiguous, as libbpf does.
        Assert.Equal([0xffffffff81000010, 0xffffffffc0000020], found["helper"]);
    }

    private static ulong? KallsymsAddress(string name)
    {
        foreach (var line in File.ReadLines(KernelSymbols.KallsymsPath))
        {
            var fields = line.Split(' ');
            if (fields.Length >= 3 && fields[2] == name)
                return ulong.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return null;
    }
}
