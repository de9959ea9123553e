using System.Globalization;
using RawBpf.Elf;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// Attach by SEC() name, as libbpf's bpf_program__attach: each section prefix names an attach kind and its target
/// (<c>kprobe/FUNC[+OFF]</c>, <c>uprobe/PATH:FUNC[+OFF]</c>, <c>iter/task</c>...). A section that names no target
/// (plain <c>SEC("kprobe")</c>, <c>SEC("uprobe")</c>) is not auto-attachable: <see cref="CanAttach"/> says so, and
/// such a program is attached through its typed method instead.
/// </summary>
public static class SectionAttach
{
    /// <summary>Whether <see cref="Attach"/> knows how to attach a program of section <paramref name="info"/>.</summary>
    public static bool CanAttach(ProgramSectionInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.ProgramType switch
        {
            BpfProgramType.Tracepoint => info.Tracepoint is not null,
            BpfProgramType.RawTracepoint or BpfProgramType.RawTracepointWritable => info.AttachTarget is { Length: > 0 },
            BpfProgramType.Tracing or BpfProgramType.Lsm => info.Definition.Prefix is not "freplace" and not "lsm_cgroup",
            BpfProgramType.Kprobe => !info.Flags.HasFlag(ProgramSectionFlags.Usdt) && info.AttachTarget is { Length: > 0 },
            BpfProgramType.PerfEvent => true,
            // Networking kinds (xdp, tc/tcx, cgroup_*, socket, sk_lookup) plug in here from their own link files.
            _ => false,
        };
    }

    /// <summary>
    /// Attaches <paramref name="program"/> as its section says. Tracepoints, kprobes, uprobes and perf events go
    /// through a perf event, attached as <paramref name="preference"/> says.
    /// </summary>
    /// <exception cref="BpfAttachException">The section names nothing attachable, or the attach failed with a reason.</exception>
    public static BpfLink Attach(BpfProgram program, ProgramSectionInfo info, TracepointAttachPreference preference = TracepointAttachPreference.Automatic)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(info);
        if (!CanAttach(info))
            throw new BpfAttachException($"program \"{program.Name}\" (section \"{info.SectionName}\") cannot be attached automatically: {WhyNot(info)}");
        return info.ProgramType switch
        {
            BpfProgramType.Tracepoint => TracepointLink.Attach(program, info.Tracepoint!.Value.Category, info.Tracepoint.Value.Name, 0, preference),
            BpfProgramType.RawTracepoint or BpfProgramType.RawTracepointWritable => RawTracepointLink.Attach(program, info.AttachTarget!),
            BpfProgramType.Tracing when info.ExpectedAttachType == BpfAttachType.TraceIter => IteratorLink.Attach(program),
            BpfProgramType.Tracing or BpfProgramType.Lsm => TracingLink.Attach(program),
            BpfProgramType.Kprobe => AttachKprobeFamily(program, info, preference),
            BpfProgramType.PerfEvent => PerfEventLink.Attach(program, PerfEventSampling.Default, preference),
            _ => throw new InvalidOperationException("unreachable: CanAttach accepted " + info.SectionName),
        };
    }

    private static string WhyNot(ProgramSectionInfo info) => info.ProgramType switch
    {
        BpfProgramType.Kprobe when info.Flags.HasFlag(ProgramSectionFlags.Usdt) => "USDT probes are not supported",
        BpfProgramType.Kprobe => $"the section names no target (write SEC(\"{info.Definition.Prefix}/TARGET\"), or attach it with its typed method)",
        BpfProgramType.Tracepoint => "a tracepoint section needs \"CATEGORY/NAME\"",
        BpfProgramType.RawTracepoint or BpfProgramType.RawTracepointWritable => "a raw tracepoint section needs the tracepoint's name",
        _ => $"no auto-attach for {info.ProgramType} programs",
    };

    private static BpfLink AttachKprobeFamily(BpfProgram program, ProgramSectionInfo info, TracepointAttachPreference preference)
    {
        var target = info.AttachTarget!;
        var retprobe = info.IsReturnProbe;
        switch (info.Definition.Prefix)
        {
            case "kprobe" or "kretprobe":
                {
                    var (function, offset) = SplitOffset(target, info);
                    if (retprobe && offset != 0)
                        throw new BpfAttachException($"section \"{info.SectionName}\": a kretprobe takes no offset");
                    return KprobeLink.Attach(program, function, offset, retprobe, 0, preference);
                }

            case "ksyscall" or "kretsyscall":
                return KprobeLink.AttachSyscall(program, target, retprobe);
            case "kprobe.multi" or "kretprobe.multi":
                return KprobeMultiLink.Attach(program, target, retprobe);
            case "uprobe.multi" or "uretprobe.multi" or "uprobe.multi.s" or "uretprobe.multi.s":
                {
                    var (path, pattern) = SplitBinary(target, info);
                    return UprobeMultiLink.Attach(program, path, pattern, -1, retprobe);
                }

            case "uprobe" or "uretprobe" or "uprobe.s" or "uretprobe.s":
                {
                    var (path, spec) = SplitBinary(target, info);
                    var (function, offset) = SplitOffset(spec, info);
                    if (retprobe && offset != 0)
                        throw new BpfAttachException($"section \"{info.SectionName}\": a uretprobe takes no offset");
                    // A spec that is a number is a raw file offset, as in SEC("uprobe/PATH:0x1234").
                    return TryParseNumber(function, out var raw)
                        ? UprobeLink.Attach(program, path, null, raw, -1, retprobe, 0, preference)
                        : UprobeLink.Attach(program, path, function, offset, -1, retprobe, 0, preference);
                }

            default:
                throw new BpfAttachException($"program \"{program.Name}\" (section \"{info.SectionName}\") cannot be attached automatically: {WhyNot(info)}");
        }
    }

    /// <summary>"PATH:SPEC" → (PATH, SPEC); the path may itself hold no ':'.</summary>
    private static (string Path, string Spec) SplitBinary(string target, ProgramSectionInfo info)
    {
        var colon = target.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == target.Length - 1)
            throw new BpfAttachException($"section \"{info.SectionName}\": expected \"{info.Definition.Prefix}/PATH:FUNCTION[+OFFSET]\"");
        return (target[..colon], target[(colon + 1)..]);
    }

    /// <summary>"FUNC+OFF" → (FUNC, OFF) with OFF decimal or 0x-hex; "FUNC" → (FUNC, 0).</summary>
    private static (string Function, ulong Offset) SplitOffset(string spec, ProgramSectionInfo info)
    {
        var plus = spec.LastIndexOf('+');
        if (plus < 0)
            return (spec, 0);
        if (plus == 0 || !TryParseNumber(spec[(plus + 1)..], out var offset))
            throw new BpfAttachException($"section \"{info.SectionName}\": \"{spec}\" is not FUNCTION+OFFSET");
        return (spec[..plus], offset);
    }

    private static bool TryParseNumber(string text, out ulong value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
