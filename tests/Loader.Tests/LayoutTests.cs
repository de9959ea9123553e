using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using RawBpf.BtfCore;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// Every interop struct, constant and per-architecture value against the C headers, as the C compiler of each
/// architecture computes them (<see cref="CHeaderValues"/>): gcc with /usr/include for x86-64,
/// aarch64-linux-gnu-gcc with /usr/aarch64-linux-gnu/include for arm64. No expected number is typed here.
/// </summary>
public class LayoutTests
{
    public static TheoryData<string, Architecture> Compilers => new()
    {
        { "gcc", Architecture.X64 },
        { "aarch64-linux-gnu-gcc", Architecture.Arm64 },
    };

    /// <summary>A C# interop struct and its C counterpart; fields map by name (BtfFd → btf_fd) after
    /// <paramref name="MemberPrefix"/>, or through <paramref name="Fields"/>: a C member, or with "=" a C offset expression
    /// (bitfields, and members newer than the installed headers).</summary>
    private sealed record CStruct(Type Type, string CType, string Size, string MemberPrefix = "", Dictionary<string, string>? Fields = null);

    private static readonly CStruct[] Structs =
    [
        new(typeof(MapCreateAttr), "union bpf_attr", "END(union bpf_attr, map_extra)"),
        new(typeof(MapElemAttr), "union bpf_attr", "END(union bpf_attr, flags)"),
        new(typeof(MapGetNextKeyAttr), "union bpf_attr", "END(union bpf_attr, next_key)"),
        new(typeof(MapFreezeAttr), "union bpf_attr", "END(union bpf_attr, map_fd)"),
        new(typeof(ProgBindMapAttr), "union bpf_attr", "END(union bpf_attr, prog_bind_map.flags)", "prog_bind_map."),
        new(typeof(ProgLoadAttr), "union bpf_attr", "END(union bpf_attr, core_relo_rec_size) + 4", Fields: new()
        {
            [nameof(ProgLoadAttr.InsnCount)] = "insn_cnt",
            [nameof(ProgLoadAttr.KernVersion)] = "kern_version",
            [nameof(ProgLoadAttr.FuncInfoCount)] = "func_info_cnt",
            [nameof(ProgLoadAttr.LineInfoCount)] = "line_info_cnt",
            [nameof(ProgLoadAttr.CoreReloCount)] = "core_relo_cnt",
            // log_true_size (6.4) follows core_relo_rec_size; the installed uapi header is 6.1's.
            [nameof(ProgLoadAttr.LogTrueSize)] = "=END(union bpf_attr, core_relo_rec_size)",
        }),
        new(typeof(BtfLoadAttr), "union bpf_attr", "END(union bpf_attr, btf_log_level) + 4", Fields: new()
        {
            [nameof(BtfLoadAttr.BtfLogTrueSize)] = "=END(union bpf_attr, btf_log_level)",   // 6.4
        }),
        new(typeof(ObjPinAttr), "union bpf_attr", "END(union bpf_attr, file_flags)"),
        new(typeof(ObjGetAttr), "union bpf_attr", "END(union bpf_attr, file_flags)"),
        new(typeof(GetNextIdAttr), "union bpf_attr", "END(union bpf_attr, open_flags)"),
        new(typeof(GetFdByIdAttr), "union bpf_attr", "END(union bpf_attr, open_flags)", Fields: new()
        {
            [nameof(GetFdByIdAttr.Id)] = "prog_id",
        }),
        new(typeof(ObjGetInfoByFdAttr), "union bpf_attr", "END(union bpf_attr, info)", "info."),
        // As long as its longest member, uprobe_multi (6.6: 48 bytes from 16, pid ending at 60, padded to 64).
        new(typeof(LinkCreateAttr), "union bpf_attr", "END(union bpf_attr, link_create.kprobe_multi.cookies) + 16", "link_create.", new()
        {
            [nameof(LinkCreateAttr.BpfCookie)] = "link_create.perf_event.bpf_cookie",
            [nameof(LinkCreateAttr.TracingCookie)] = "=END(union bpf_attr, link_create.tracing.target_btf_id) + 4",   // 6.6, after 4 bytes of padding
            [nameof(LinkCreateAttr.KprobeMultiFlags)] = "link_create.kprobe_multi.flags",
            [nameof(LinkCreateAttr.KprobeMultiCount)] = "link_create.kprobe_multi.cnt",
            [nameof(LinkCreateAttr.KprobeMultiSymbols)] = "link_create.kprobe_multi.syms",
            [nameof(LinkCreateAttr.KprobeMultiAddresses)] = "link_create.kprobe_multi.addrs",
            [nameof(LinkCreateAttr.KprobeMultiCookies)] = "link_create.kprobe_multi.cookies",
            // uprobe_multi (6.6) is newer than the installed header: path, offsets, ref_ctr_offsets, cookies, cnt, flags, pid.
            [nameof(LinkCreateAttr.UprobeMultiPath)] = "=16",
            [nameof(LinkCreateAttr.UprobeMultiOffsets)] = "=24",
            [nameof(LinkCreateAttr.UprobeMultiRefCounterOffsets)] = "=32",
            [nameof(LinkCreateAttr.UprobeMultiCookies)] = "=40",
            [nameof(LinkCreateAttr.UprobeMultiCount)] = "=48",
            [nameof(LinkCreateAttr.UprobeMultiFlags)] = "=52",
            [nameof(LinkCreateAttr.UprobeMultiPid)] = "=56",
        }),
        new(typeof(IterCreateAttr), "union bpf_attr", "END(union bpf_attr, iter_create.flags)", "iter_create."),
        new(typeof(RawTracepointOpenAttr), "union bpf_attr", "END(union bpf_attr, raw_tracepoint)", "raw_tracepoint."),
        new(typeof(ProgAttachAttr), "union bpf_attr", "END(union bpf_attr, replace_bpf_fd)"),
        new(typeof(BpfProgInfo), "struct bpf_prog_info", "sizeof(struct bpf_prog_info)", Fields: new()
        {
            [nameof(BpfProgInfo.GplCompatible)] = "=END(struct bpf_prog_info, ifindex)",   // gpl_compatible:1 opens the next word
        }),
        new(typeof(BpfMapInfo), "struct bpf_map_info", "sizeof(struct bpf_map_info)"),
        // Laid out to 6.8's largest member (uprobe_multi, ending at 64) plus perf_event's kprobe (6.6); the header is 6.1's.
        new(typeof(BpfLinkInfo), "struct bpf_link_info", "72", Fields: new()
        {
            [nameof(BpfLinkInfo.TpName)] = "raw_tracepoint.tp_name",
            [nameof(BpfLinkInfo.TpNameLen)] = "raw_tracepoint.tp_name_len",
            [nameof(BpfLinkInfo.TracingAttachType)] = "tracing.attach_type",
            [nameof(BpfLinkInfo.TracingTargetObjId)] = "tracing.target_obj_id",
            [nameof(BpfLinkInfo.TracingTargetBtfId)] = "tracing.target_btf_id",
            [nameof(BpfLinkInfo.CgroupId)] = "cgroup.cgroup_id",
            [nameof(BpfLinkInfo.CgroupAttachType)] = "cgroup.attach_type",
            [nameof(BpfLinkInfo.IterTargetName)] = "iter.target_name",
            [nameof(BpfLinkInfo.IterTargetNameLen)] = "iter.target_name_len",
            [nameof(BpfLinkInfo.NetnsIno)] = "netns.netns_ino",
            [nameof(BpfLinkInfo.NetnsAttachType)] = "netns.attach_type",
            [nameof(BpfLinkInfo.Ifindex)] = "xdp.ifindex",
            [nameof(BpfLinkInfo.TcxAttachType)] = "=20",   // tcx.attach_type (6.6)
            [nameof(BpfLinkInfo.KprobeMultiCount)] = "=24",   // kprobe_multi.count (6.6)
            [nameof(BpfLinkInfo.KprobeMultiFlags)] = "=28",
            [nameof(BpfLinkInfo.UprobeMultiPath)] = "=16",   // uprobe_multi (6.8)
            [nameof(BpfLinkInfo.UprobeMultiPathSize)] = "=48",
            [nameof(BpfLinkInfo.UprobeMultiCount)] = "=52",
            [nameof(BpfLinkInfo.UprobeMultiFlags)] = "=56",
            [nameof(BpfLinkInfo.UprobeMultiPid)] = "=60",
            [nameof(BpfLinkInfo.PerfEventType)] = "=16",   // perf_event (6.6): type, then the per-event union at 24
            [nameof(BpfLinkInfo.PerfEventName)] = "=24",
            [nameof(BpfLinkInfo.PerfEventNameLen)] = "=32",
            [nameof(BpfLinkInfo.PerfEventOffset)] = "=36",
            [nameof(BpfLinkInfo.PerfEventConfig)] = "=24",
            [nameof(BpfLinkInfo.PerfEventEventType)] = "=32",
        }),
        new(typeof(BpfBtfInfo), "struct bpf_btf_info", "sizeof(struct bpf_btf_info)"),
        new(typeof(PerfEventAttr), "struct perf_event_attr", "PERF_ATTR_SIZE_VER7", Fields: new()
        {
            [nameof(PerfEventAttr.Flags)] = "=END(struct perf_event_attr, read_format)",   // the bitfield word
            [nameof(PerfEventAttr.Config1)] = "config1",
            [nameof(PerfEventAttr.Config2)] = "config2",
        }),
        new(typeof(BpfInstruction), "struct bpf_insn", "sizeof(struct bpf_insn)", Fields: new()
        {
            [nameof(BpfInstruction.Opcode)] = "code",
            [nameof(BpfInstruction.Registers)] = "=END(struct bpf_insn, code)",   // dst_reg:4, src_reg:4
            [nameof(BpfInstruction.Offset)] = "off",
            [nameof(BpfInstruction.Immediate)] = "imm",
        }),
        new(typeof(ResourceLimit), "struct rlimit", "sizeof(struct rlimit)", Fields: new()
        {
            [nameof(ResourceLimit.Current)] = "rlim_cur",
            [nameof(ResourceLimit.Maximum)] = "rlim_max",
        }),
        new(typeof(Libc.Statx), "struct statx", "sizeof(struct statx)"),
        new(typeof(Libc.StatFs), "struct statfs", "sizeof(struct statfs)"),
    ];

    /// <summary>Constants whose C# name is not the C macro's; the rest compare with the macro of the same name.</summary>
    private static readonly Dictionary<string, string> ConstantExpressions = new()
    {
        [nameof(Libc.StatFileTypeMask)] = "S_IFMT",
        [nameof(Libc.StatCharacterDevice)] = "S_IFCHR",
        [nameof(Libc.StatxTypeModeAndIno)] = "STATX_TYPE | STATX_MODE | STATX_INO",
        [nameof(Libc.StatxTypeAndSize)] = "STATX_TYPE | STATX_SIZE",
        [nameof(PerfEventAttr.SizeVer7)] = "PERF_ATTR_SIZE_VER7",
    };

    /// <summary>Not in any userspace header: the kernel-internal ENOTSUPP (include/linux/errno.h); the
    /// perf_event_attr bitfield masks (C has no constant for a bitfield's bit).</summary>
    private static readonly HashSet<string> NotInHeaders =
        [nameof(Errno.ENOTSUPP), nameof(PerfEventAttr.FlagDisabled), nameof(PerfEventAttr.FlagFreq), nameof(PerfEventAttr.FlagWatermark)];

    [Theory]
    [MemberData(nameof(Compilers))]
    public void StructsMatchTheCHeaders(string compiler, Architecture architecture)
    {
        _ = architecture;   // the same C# layout serves both: only the compiler differs
        var expressions = new Dictionary<string, string>();
        var expected = new Dictionary<string, long>();
        foreach (var layout in Structs)
        {
            var prefix = layout.Type.Name;
            expressions[prefix + "__size"] = layout.Size;
            expected[prefix + "__size"] = Marshal.SizeOf(layout.Type);
            foreach (var field in layout.Type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                var member = layout.Fields?.GetValueOrDefault(field.Name) ?? layout.MemberPrefix + SnakeCase(field.Name);
                var key = prefix + "_" + field.Name;
                if (member.StartsWith('='))
                {
                    expressions[key + "__offset"] = member[1..];
                }
                else
                {
                    expressions[key + "__offset"] = $"offsetof({layout.CType}, {member})";
                    expressions[key + "__size"] = $"SIZE({layout.CType}, {member})";
                    expected[key + "__size"] = Marshal.SizeOf(field.FieldType);
                }
                expected[key + "__offset"] = Marshal.OffsetOf(layout.Type, field.Name);
            }
        }

        var actual = CHeaderValues.Evaluate(compiler, expressions);
        AssertAgree(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Compilers))]
    public void ArchitectureTableMatchesTheCHeaders(string compiler, Architecture architecture)
    {
        var abi = ArchitectureAbi.For(architecture);
        var actual = CHeaderValues.Evaluate(compiler, new Dictionary<string, string>
        {
            [nameof(abi.BpfSyscall)] = "__NR_bpf",
            [nameof(abi.PerfEventOpenSyscall)] = "__NR_perf_event_open",
            [nameof(abi.EpollEventSize)] = "sizeof(struct epoll_event)",
            [nameof(abi.EpollEventDataOffset)] = "offsetof(struct epoll_event, data)",
            [nameof(abi.OpenDirectory)] = "O_DIRECTORY",
        });
        Assert.Equal(abi.Architecture, architecture);
        AssertAgree(
            new Dictionary<string, long>
            {
                [nameof(abi.BpfSyscall)] = abi.BpfSyscall,
                [nameof(abi.PerfEventOpenSyscall)] = abi.PerfEventOpenSyscall,
                [nameof(abi.EpollEventSize)] = abi.EpollEventSize,
                [nameof(abi.EpollEventDataOffset)] = abi.EpollEventDataOffset,
                [nameof(abi.OpenDirectory)] = abi.OpenDirectory,
            },
            actual);
    }

    [Theory]
    [MemberData(nameof(Compilers))]
    public void ConstantsAreTheSameOnBothArchitecturesAsInTheCHeaders(string compiler, Architecture architecture)
    {
        _ = architecture;
        var constants = new[] { typeof(Libc), typeof(Errno), typeof(PerfEventAttr) }
            .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(field => field.IsLiteral && !NotInHeaders.Contains(field.Name))
            .ToList();
        var expressions = constants.ToDictionary(field => field.Name,
            field => ConstantExpressions.GetValueOrDefault(field.Name) ?? field.Name);
        var expected = constants.ToDictionary(field => field.Name,
            field => field.GetRawConstantValue() is ulong unsigned ? unchecked((long)unsigned) : Convert.ToInt64(field.GetRawConstantValue(), CultureInfo.InvariantCulture));
        AssertAgree(expected, CHeaderValues.Evaluate(compiler, expressions));
    }

    [Fact]
    public void EveryInteropStructIsChecked()
    {
        var checkedTypes = Structs.Select(layout => layout.Type).ToHashSet();
        var interopStructs = typeof(ArchitectureAbi).Assembly.GetTypes()
            .Where(type => type.IsValueType && !type.IsEnum && !type.IsByRefLike && !type.Name.Contains('<')
                && type.Namespace == typeof(ArchitectureAbi).Namespace
                && (!type.IsNested || type.DeclaringType == typeof(Libc)))
            .Select(type => type.Name);
        Assert.Empty(interopStructs.Except(checkedTypes.Select(type => type.Name)));
    }

    [Fact]
    public void AnArchitectureWithoutATableIsNamed()
    {
        var error = Assert.Throws<PlatformNotSupportedException>(() => ArchitectureAbi.For(Architecture.RiscV64));
        Assert.Contains("RiscV64", error.Message);
        Assert.Same(ArchitectureAbi.For(RuntimeInformation.ProcessArchitecture), ArchitectureAbi.Current);
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((character, index) =>
            char.IsUpper(character) ? (index > 0 ? "_" : "") + char.ToLowerInvariant(character) : character.ToString()));

    /// <summary>Fails naming every value where C# and C disagree.</summary>
    private static void AssertAgree(IReadOnlyDictionary<string, long> csharp, IReadOnlyDictionary<string, long> c)
    {
        Assert.Equal(csharp.Count, c.Count);
        var disagreements = csharp
            .Where(pair => c.GetValueOrDefault(pair.Key, long.MinValue) != pair.Value)
            .Select(pair => $"{pair.Key}: C# {pair.Value}, C {(c.TryGetValue(pair.Key, out var value) ? value : "missing")}")
            .Order(StringComparer.Ordinal);
        Assert.Empty(disagreements);
    }

    [Fact]
    public void InstructionEncodingPutsDestinationInTheLowNibble()
    {
        var (first, second) = BpfAssembler.LoadMapFd(1, 7);
        var bytes = MemoryMarshal.AsBytes(new[] { first, second }.AsSpan()).ToArray();
        Assert.Equal(new byte[] { 0x18, 0x11, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, bytes);
        Assert.Equal(new byte[] { 0x95, 0, 0, 0, 0, 0, 0, 0 }, MemoryMarshal.AsBytes(new[] { BpfAssembler.Exit() }.AsSpan()).ToArray());
    }

    [Fact]
    public void UapiNamesRoundTrip()
    {
        Assert.Equal("PERCPU_ARRAY", UapiNames.Of(BpfMapType.PercpuArray));
        Assert.Equal("RINGBUF", UapiNames.Of(BpfMapType.Ringbuf));
        Assert.Equal("BPF_OBJ_GET_INFO_BY_FD", UapiNames.Command(BpfCommand.ObjGetInfoByFd));
        Assert.Equal("LIRC_MODE2", UapiNames.Of(BpfProgramType.LircMode2));
        Assert.Equal("PERF_EVENT", UapiNames.Of(BpfAttachType.PerfEvent));
    }

    [Fact]
    public void CpuListsParse()
    {
        Assert.Equal([0, 1, 2, 3, 5, 7, 8], CpuSet.Parse("0-3,5,7-8\n"));
        Assert.Throws<FormatException>(() => CpuSet.Parse("0-x"));
        Assert.True(CpuSet.PossibleCount >= Environment.ProcessorCount);
    }
}
