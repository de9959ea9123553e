using RawBpf.Elf;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// A BTF-typed program whose target was fixed at load time by attach_btf_id (and attach_btf_obj_fd for a module):
/// tp_btf, fentry, fexit, fmod_ret (BPF_PROG_TYPE_TRACING) and lsm (BPF_PROG_TYPE_LSM).
/// </summary>
public sealed class TracingLink : BpfLink
{
    private TracingLink(BpfAttachMethod method, BpfFileDescriptor linkFd, string target)
        : base(method, linkFd, target)
    {
    }

    /// <summary>
    /// Attaches: BPF_RAW_TRACEPOINT_OPEN with a NULL name (5.5), or, with a <paramref name="cookie"/>,
    /// BPF_LINK_CREATE with the program's expected attach type and tracing.cookie (6.6), as libbpf does.
    /// </summary>
    public static TracingLink Attach(BpfProgram program, ulong cookie = 0)
    {
        ArgumentNullException.ThrowIfNull(program);
        var target = (program.Type == BpfProgramType.Lsm ? "lsm/" : "tracing/") + program.Name;
        if (cookie == 0)
            return new TracingLink(BpfAttachMethod.RawTracepointOpen, RawTracepointLink.Open(program, null, target), target);

        using var lease = program.Fd.Lease();
        var attr = new LinkCreateAttr { ProgFd = lease.Fd, AttachType = (uint)program.ExpectedAttachType, TracingCookie = cookie };
        var fd = BpfSyscall.Invoke(BpfCommand.LinkCreate, ref attr, out var errno);
        if (fd >= 0)
            return new TracingLink(BpfAttachMethod.LinkCreate, BpfSyscall.OwnFd(fd), target);
        var failure = new BpfSyscallException(BpfCommand.LinkCreate, errno, $"program \"{program.Name}\" on {target}");
        throw errno == Errno.EINVAL
            ? new BpfLinkNotSupportedException("BPF cookies on fentry/fexit/lsm links (tracing.cookie)", "6.6", null, failure)
            : failure;
    }
}
