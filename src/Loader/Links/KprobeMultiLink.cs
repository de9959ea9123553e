using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// One link over many kernel functions: BPF_LINK_CREATE with BPF_TRACE_KPROBE_MULTI (5.18, fprobe-based),
/// SEC("kprobe.multi/PATTERN") or "kretprobe.multi/PATTERN". The program must be loaded with that expected attach type.
/// </summary>
public sealed class KprobeMultiLink : BpfLink
{
    private KprobeMultiLink(BpfFileDescriptor linkFd, string target, IReadOnlyList<string> functions)
        : base(BpfAttachMethod.LinkCreate, linkFd, target) => Functions = functions;

    /// <summary>The functions attached to.</summary>
    public IReadOnlyList<string> Functions { get; }

    /// <summary>
    /// Attaches to every traceable kernel function matching glob <paramref name="pattern"/> (from tracefs
    /// available_filter_functions; a pattern without '*' or '?' is taken as one function name).
    /// </summary>
    public static KprobeMultiLink Attach(BpfProgram program, string pattern, bool retprobe = false, IReadOnlyList<ulong>? cookies = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var target = (retprobe ? "kretprobe.multi/" : "kprobe.multi/") + pattern;
        if (!KernelFeatures.HasKprobeMultiLink)
            throw new BpfLinkNotSupportedException("kprobe.multi links (BPF_TRACE_KPROBE_MULTI)", "5.18 built with CONFIG_FPROBE=y");
        IReadOnlyList<string> functions = pattern.AsSpan().IndexOfAny('*', '?') < 0 ? [pattern] : KernelSymbols.MatchTraceable(pattern);
        if (functions.Count == 0)
            throw new BpfAttachException($"cannot attach program \"{program.Name}\" to {target}: no traceable kernel function matches \"{pattern}\" (available_filter_functions)");
        return Attach(program, functions, retprobe, cookies, target);
    }

    /// <summary>Attaches to the kernel functions <paramref name="functions"/> by name.</summary>
    public static unsafe KprobeMultiLink Attach(BpfProgram program, IReadOnlyList<string> functions, bool retprobe, IReadOnlyList<ulong>? cookies, string? target = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(functions);
        if (cookies is not null && cookies.Count != functions.Count)
            throw new ArgumentException($"{cookies.Count} cookies for {functions.Count} functions", nameof(cookies));
        target ??= (retprobe ? "kretprobe.multi/" : "kprobe.multi/") + string.Join(',', functions);
        if (!KernelFeatures.HasKprobeMultiLink)
            throw new BpfLinkNotSupportedException("kprobe.multi links (BPF_TRACE_KPROBE_MULTI)", "5.18 built with CONFIG_FPROBE=y");

        // The kernel reads an array of pointers to NUL-terminated names: keep every string pinned for the call.
        using var names = new NativeStrings(functions);
        var cookieArray = cookies?.ToArray();
        fixed (ulong* cookiePointer = cookieArray)
        {
            using var lease = program.Fd.Lease();
            var attr = new LinkCreateAttr
            {
                ProgFd = lease.Fd,
                AttachType = (uint)BpfAttachType.TraceKprobeMulti,
                KprobeMultiFlags = retprobe ? LinkCreateAttr.BPF_F_KPROBE_MULTI_RETURN : 0,
                KprobeMultiCount = (uint)functions.Count,
                KprobeMultiSymbols = (ulong)names.Pointers,
                KprobeMultiCookies = (ulong)cookiePointer,
            };
            var fd = BpfSyscall.Invoke(BpfCommand.LinkCreate, ref attr, out var errno);
            if (fd < 0)
            {
                var failure = new BpfSyscallException(BpfCommand.LinkCreate, errno, $"program \"{program.Name}\" on {target}");
                var unknown = errno is Errno.ESRCH or Errno.ENOENT ? functions.FirstOrDefault(f => !KernelSymbols.IsFunction(f)) : null;
                throw unknown is not null
                    ? new BpfAttachException($"cannot attach program \"{program.Name}\" to {target}: unknown kernel function \"{unknown}\" (not in /proc/kallsyms)", failure)
                    : failure;
            }

            return new KprobeMultiLink(BpfSyscall.OwnFd(fd), target, functions);
        }
    }
}
