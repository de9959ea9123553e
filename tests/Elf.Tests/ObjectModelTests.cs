using System.Text.RegularExpressions;
using RawBpf.Uapi;

namespace RawBpf.Elf.Tests;

/// <summary>The model of the test objects, cross-checked with llvm-readelf and llvm-objdump.</summary>
public partial class ObjectModelTests
{
    private static readonly Lazy<BpfObjectFile> Features = new(() => TestObjects.Load(TestObjects.Compile("elf_features.bpf.c")));

    public static TheoryData<string> AllObjects()
    {
        var data = new TheoryData<string>();
        foreach (var path in TestObjects.AllObjects())
            data.Add(path);
        return data;
    }

    [GeneratedRegex(@"^\s*(\d+): ([0-9a-f]{16})\s+(\d+) (\w+)\s+(\w+)\s+(\w+)\s+(\w+)\s*(\S*)$")]
    private static partial Regex SymbolLine();

    [GeneratedRegex(@"^\s+([0-9a-f]+):\s+(R_BPF_\w+)\s+(\S+)$")]
    private static partial Regex ObjdumpRelocation();

    [Theory]
    [MemberData(nameof(AllObjects))]
    public void SymbolsMatchReadelf(string path)
    {
        var obj = TestObjects.Load(path);
        var lines = TestObjects.Run("llvm-readelf", "-s", path).Split('\n').Select(l => SymbolLine().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(lines.Count, obj.Symbols.Count);
        foreach (var m in lines)
        {
            var symbol = obj.Symbols[int.Parse(m.Groups[1].Value)];
            Assert.Equal(Convert.ToUInt64(m.Groups[2].Value, 16), symbol.Value);
            Assert.Equal(ulong.Parse(m.Groups[3].Value), symbol.Size);
            Assert.Equal(m.Groups[4].Value, symbol.Type switch { ElfSymbolType.Func => "FUNC", ElfSymbolType.Object => "OBJECT", ElfSymbolType.Section => "SECTION", ElfSymbolType.File => "FILE", _ => "NOTYPE" });
            Assert.Equal(m.Groups[5].Value, symbol.Binding.ToString().ToUpperInvariant());
            var index = m.Groups[7].Value;
            Assert.Equal(index, symbol.SectionIndex switch { 0 => "UND", ElfConstants.ShnAbs => "ABS", ElfConstants.ShnCommon => "COM", var i => i.ToString() });
            if (symbol.Type != ElfSymbolType.Section)
                Assert.Equal(m.Groups[8].Value, symbol.Name);
        }
    }

    [Theory]
    [MemberData(nameof(AllObjects))]
    public void RelocationsMatchObjdump(string path)
    {
        var obj = TestObjects.Load(path);
        // llvm-objdump -d -r prints each program section's relocations under its disassembly.
        var expected = new List<string>();
        string? section = null;
        foreach (var line in TestObjects.Run("llvm-objdump", "-d", "-r", path).Split('\n'))
        {
            if (line.StartsWith("Disassembly of section ", StringComparison.Ordinal))
                section = line["Disassembly of section ".Length..].TrimEnd(':');
            else if (ObjdumpRelocation().Match(line) is { Success: true } m)
                expected.Add($"{section}+{Convert.ToUInt64(m.Groups[1].Value, 16)}:{m.Groups[3].Value}");
        }
        var actual = obj.ProgramSections.SelectMany(s => s.Relocations.Select(r => $"{s.Name}+{r.InstructionIndex * 8}:{r.SymbolName}")).ToList();
        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public void InstructionsAreTheSectionBytes()
    {
        var obj = TestObjects.Load(TestObjects.Object("exitsnoop.bpf.o"));
        // Two entry points, each a section of its own: the tracepoint and the raw tracepoint of the same event.
        Assert.Equal(["handle_exit", "handle_exit_raw"], obj.Programs.Select(p => p.Name));
        foreach (var program in obj.Programs)
        {
            var section = obj.Sections[program.SectionIndex];
            Assert.Equal(section.Size / 8, program.InstructionCount);
            Assert.True(section.Data.Span.SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(program.Instructions.Span)));
        }
        var tracepoint = obj.FindProgram("handle_exit")!.Info!;
        Assert.Equal(BpfProgramType.Tracepoint, tracepoint.ProgramType);
        Assert.Equal(("sched", "sched_process_exit"), tracepoint.Tracepoint);
        var raw = obj.FindProgram("handle_exit_raw")!.Info!;
        Assert.Equal(BpfProgramType.RawTracepoint, raw.ProgramType);
        Assert.Equal("sched_process_exit", raw.AttachTarget);
        Assert.Equal("GPL", obj.License);
    }

    [Fact]
    public void MapInMapAndProgArrayHaveInnerDefinitionAndInitialSlots()
    {
        var obj = Features.Value;
        var outer = obj.FindMap("outer")!;
        Assert.Equal(BpfMapType.ArrayOfMaps, outer.Type);
        Assert.Equal(4u, outer.ValueSize);
        Assert.Equal(3u, outer.MaxEntries);
        var inner = outer.InnerMap!;
        Assert.Equal("outer.inner", inner.Name);
        Assert.Equal((BpfMapType.Array, 4u, 8u, 4u), (inner.Type, inner.KeySize, inner.ValueSize, inner.MaxEntries));
        Assert.Equal([new MapInitialSlot(0, "inner_a"), new MapInitialSlot(2, "inner_b")], outer.InitialSlots);
        var jumps = obj.FindMap("jump_table")!;
        Assert.Null(jumps.InnerMap);
        Assert.Equal([new MapInitialSlot(1, "tail_target")], jumps.InitialSlots);
        var sized = obj.FindMap("sized_hash")!;
        Assert.Equal((8u, 16u, BpfMapFlags.NoPrealloc, 0), (sized.KeySize, sized.ValueSize, sized.Flags, sized.KeyTypeId));
    }

    [Fact]
    public void RelocationsAreClassifiedAsLibbpfDoes()
    {
        var obj = Features.Value;
        var entry = obj.FindProgram("entry")!;
        var relocations = entry.Relocations.ToList();
        var byName = relocations.GroupBy(r => r.SymbolName).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(RelocationKind.MapReference, byName["outer"][0].Kind);
        Assert.Equal(RelocationKind.GlobalData, byName["ro_knob"][0].Kind);
        Assert.Equal(".data.custom", byName["custom_value"][0].Map!.Name);
        Assert.Equal(RelocationKind.ExternLoad, byName["init_task"][0].Kind);
        Assert.Equal(ExternKind.Ksym, byName["init_task"][0].Extern!.Kind);
        var kernelVersion = byName["LINUX_KERNEL_VERSION"][0];
        Assert.Equal((RelocationKind.ExternLoad, MapKind.Kconfig), (kernelVersion.Kind, kernelVersion.Map!.Kind));
        Assert.Equal(kernelVersion.Extern!.KconfigOffset, kernelVersion.DataOffset);
        // Static functions are reached through the .text section symbol: one address (bpf_loop callback), one call.
        var text = byName[".text"];
        var address = Assert.Single(text, r => r.Kind == RelocationKind.SubprogramAddress);
        Assert.Equal("loop_callback", address.TargetFunction!.Name);
        var call = Assert.Single(text, r => r.Kind == RelocationKind.SubprogramCall);
        Assert.Equal("static_helper", call.TargetFunction!.Name);
        Assert.Equal("global_helper", byName["global_helper"].Single().TargetFunction!.Name);
        // A static variable is addressed as section symbol + offset in imm.
        Assert.All(byName[".bss"], r => Assert.Equal(RelocationKind.GlobalData, r.Kind));
        Assert.Equal(obj.FindVariable("static_counter")!.Value.Variable.Offset, (uint)byName[".bss"][0].DataOffset);
    }

    [Fact]
    public void ProgramsSubprogramsAndSections()
    {
        var obj = Features.Value;
        Assert.Equal(["entry", "probe", "tail_target"], obj.Programs.Select(p => p.Name).Order());
        Assert.Equal(["global_helper", "loop_callback", "static_helper"], obj.Functions.Where(f => f.IsSubprogram).Select(p => p.Name).Order());
        var probe = obj.FindProgram("probe")!;
        Assert.Equal((BpfProgramType.Kprobe, "do_nanosleep"), (probe.Info!.ProgramType, probe.Info.AttachTarget));
        var entry = obj.FindProgram("entry")!;
        Assert.Equal(obj.FindProgram("tail_target")!.SectionIndex, entry.SectionIndex);
        Assert.Equal(2, entry.InstructionOffset);
    }

    [Fact]
    public void DataMapsExternsAndVariables()
    {
        var obj = Features.Value;
        Assert.Equal(["elf_feat.data", ".data.custom", "elf_feat.rodata", "elf_feat.bss", "elf_fea.kconfig"], obj.Maps.Where(m => m.IsInternal).Select(m => m.Name));
        var rodata = obj.FindMap("elf_feat.rodata")!;
        Assert.Equal(MapKind.ReadOnlyData, rodata.Kind);
        var knob = rodata.FindVariable("ro_knob")!;
        Assert.Equal(3u, BitConverter.ToUInt32(knob.Read(rodata.InitialValue.Span)));
        var copy = rodata.InitialValue.ToArray();
        knob.Write(copy, BitConverter.GetBytes(9u));
        Assert.Equal(9u, BitConverter.ToUInt32(copy, (int)knob.Offset));
        var bss = obj.FindMap("elf_feat.bss")!;
        Assert.Equal(BtfLinkage.Static, bss.FindVariable("static_counter")!.Linkage);
        Assert.True(bss.InitialValue.Span.IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(["CONFIG_HZ", "LINUX_KERNEL_VERSION", "init_task"], obj.Externs.Select(e => e.Name));
        Assert.True(obj.Externs[0].IsWeak);
        Assert.Equal((KconfigType.Int, 4), (obj.Externs[1].KconfigType, obj.Externs[1].KconfigOffset));
    }

    [Theory]
    [InlineData("tp/sched/sched_process_exit", BpfProgramType.Tracepoint, null, "sched/sched_process_exit")]
    [InlineData("tracepoint/syscalls/sys_enter_getpid", BpfProgramType.Tracepoint, null, "syscalls/sys_enter_getpid")]
    [InlineData("raw_tp/sys_enter", BpfProgramType.RawTracepoint, null, "sys_enter")]
    [InlineData("raw_tracepoint/sched_switch", BpfProgramType.RawTracepoint, null, "sched_switch")]
    [InlineData("tp_btf/sched_process_exit", BpfProgramType.Tracing, BpfAttachType.TraceRawTp, "sched_process_exit")]
    [InlineData("kprobe/do_exit", BpfProgramType.Kprobe, null, "do_exit")]
    [InlineData("kretprobe/do_exit", BpfProgramType.Kprobe, null, "do_exit")]
    [InlineData("uprobe//bin/bash:readline", BpfProgramType.Kprobe, null, "/bin/bash:readline")]
    [InlineData("fentry/do_exit", BpfProgramType.Tracing, BpfAttachType.TraceFentry, "do_exit")]
    [InlineData("fexit/do_exit", BpfProgramType.Tracing, BpfAttachType.TraceFexit, "do_exit")]
    [InlineData("socket", BpfProgramType.SocketFilter, null, null)]
    [InlineData("xdp", BpfProgramType.Xdp, BpfAttachType.Xdp, null)]
    [InlineData("tc", BpfProgramType.SchedCls, null, null)]
    [InlineData("classifier", BpfProgramType.SchedCls, null, null)]
    [InlineData("cgroup_skb/ingress", BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetIngress, null)]
    [InlineData("perf_event", BpfProgramType.PerfEvent, null, null)]
    [InlineData("syscall", BpfProgramType.Syscall, null, null)]
    [InlineData("kprobe", BpfProgramType.Kprobe, null, null)]
    public void SectionNamesClassifyAsLibbpf(string name, BpfProgramType type, BpfAttachType? attach, string? target)
    {
        var info = ProgramSectionDefinitions.Classify(name)!;
        Assert.Equal((type, attach, target), (info.ProgramType, info.ExpectedAttachType, info.AttachTarget));
    }

    [Theory]
    [InlineData("tpx/foo")]
    [InlineData("kprobex")]
    [InlineData("socket/extra")]
    [InlineData("tc/classifier")]
    public void UnknownSectionNamesAreNotClassified(string name) => Assert.Null(ProgramSectionDefinitions.Classify(name));

    [Theory]
    [InlineData("exitsnoop", ".rodata", "exitsnoo.rodata")]
    [InlineData("exitsnoop", ".bss", "exitsnoo.bss")]
    [InlineData("multi_prog", ".kconfig", "multi_p.kconfig")]
    [InlineData("x", ".data", "x.data")]
    [InlineData("obj", ".rodata.str1.1", ".rodata.str1.1")]
    [InlineData("obj", ".data.abracadabra_long", ".data.abracadab")]
    [InlineData("obj", ".rodata.abracadabra", ".rodata.abracad")]
    public void InternalMapNamesFollowLibbpf(string objectName, string section, string expected) =>
        Assert.Equal(expected, BpfObjectFile.InternalMapName(objectName, section));
}
