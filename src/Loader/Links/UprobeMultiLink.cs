using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// One link over many functions of one binary: BPF_LINK_CREATE with BPF_TRACE_UPROBE_MULTI (6.6),
/// SEC("uprobe.multi/PATH:PATTERN") or "uretprobe.multi/...". The program must be loaded with that expected attach type.
/// </summary>
public sealed class UprobeMultiLink : BpfLink
{
    private UprobeMultiLink(BpfFileDescriptor linkFd, string target, IReadOnlyList<UprobeFunction> functions)
        : base(BpfAttachMethod.LinkCreate, linkFd, target) => Functions = functions;

    /// <summary>The functions attached to, with their file offsets.</summary>
    public IReadOnlyList<UprobeFunction> Functions { get; }

    /// <summary>
    /// Attaches to every function of <paramref name="binary"/> whose name matches glob <paramref name="pattern"/>;
    /// <paramref name="pid"/> -1 probes every process, else only that one.
    /// </summary>
    public static unsafe UprobeMultiLink Attach(BpfProgram program, string binary, string pattern, int pid = -1, bool retprobe = false)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var kind = retprobe ? "uretprobe.multi" : "uprobe.multi";
        if (!KernelFeatures.HasUprobeMultiLink)
            throw new BpfLinkNotSupportedException("uprobe.multi links (BPF_TRACE_UPROBE_MULTI)", "6.6");
        string path;
        IReadOnlyList<UprobeFunction> functions;
        try
        {
            path = UprobeTargets.ResolveBinaryPath(binary);
            functions = UprobeTargets.FindFunctions(path, pattern);
        }
        catch (Exception e) when (e is FileNotFoundException or InputFileException)
        {
            throw new BpfAttachException($"cannot attach program \"{program.Name}\" as {kind} to {binary}:{pattern}: {e.Message}", e);
        }

        var target = $"{kind}/{path}:{pattern}";
        if (functions.Count == 0)
            throw new BpfAttachException($"cannot attach program \"{program.Name}\" to {target}: {path} defines no function matching \"{pattern}\" in .dynsym or .symtab");

        var offsets = functions.Select(f => f.Offset).ToArray();
        var pathBytes = BpfFs.NullTerminated(path);
        fixed (ulong* offsetPointer = offsets)
        fixed (byte* pathPointer = pathBytes)
        {
            using var lease = program.Fd.Lease();
            var attr = new LinkCreateAttr
            {
                ProgFd = lease.Fd,
                AttachType = (uint)BpfAttachType.TraceUprobeMulti,
                UprobeMultiPath = (ulong)pathPointer,
                UprobeMultiOffsets = (ulong)offsetPointer,
                UprobeMultiCount = (uint)offsets.Length,
                UprobeMultiFlags = retprobe ? LinkCreateAttr.BPF_F_UPROBE_MULTI_RETURN : 0,
                UprobeMultiPid = pid < 0 ? 0 : (uint)pid,
            };
            var fd = BpfSyscall.InvokeForFd(BpfCommand.LinkCreate, ref attr, $"program \"{program.Name}\" on {target}");
            return new UprobeMultiLink(fd, target, functions);
        }
    }
}
