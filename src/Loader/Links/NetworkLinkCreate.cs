using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>BPF_LINK_CREATE as the networking and cgroup attach kinds issue it, with their errors explained.</summary>
internal static class NetworkLinkCreate
{
    /// <summary>
    /// Creates the link; <paramref name="target"/> is <c>target_fd</c> or <c>target_ifindex</c>,
    /// <paramref name="flags"/> the kind's <c>link_create.flags</c>. <paramref name="hint"/> explains an errno for this kind.
    /// </summary>
    public static BpfFileDescriptor Create(BpfProgram program, uint target, BpfAttachType attachType, uint flags, string targetText, Func<int, string?> hint)
    {
        using var lease = program.Fd.Lease();
        var attr = new LinkCreateAttr { ProgFd = lease.Fd, TargetFd = target, AttachType = (uint)attachType, Flags = flags };
        var fd = BpfSyscall.Invoke(BpfCommand.LinkCreate, ref attr, out var errno);
        if (fd < 0)
        {
            throw Failure(BpfCommand.LinkCreate, errno, program, targetText, hint(errno));
        }

        return BpfSyscall.OwnFd(fd);
    }

    /// <summary>
    /// The exception for a failed attach call: "program P on TARGET: CALL failed: ERRNO (text)", the kind's hint
    /// (else the generic ones for a bpf(2) command), and the failed call as the inner exception.
    /// </summary>
    public static BpfAttachException Failure(BpfCommand command, int errno, BpfProgram program, string targetText, string? hint) =>
        Failure(hint is null ? new BpfSyscallException(command, errno) : new LinuxSyscallException($"bpf({UapiNames.Command(command)})", errno, hint), program, targetText);

    /// <summary>The same for a call outside bpf(2) (rtnetlink, setsockopt), its hints already in <paramref name="call"/>.</summary>
    public static BpfAttachException Failure(LinuxSyscallException call, BpfProgram program, string targetText) =>
        new($"program \"{program.Name}\" on {targetText}: {call.Message}", call);

    /// <summary>Refuses a program whose type the kind cannot attach, before asking the kernel.</summary>
    public static void RequireType(BpfProgram program, string kind, params BpfProgramType[] types)
    {
        if (Array.IndexOf(types, program.Type) < 0)
        {
            throw new ArgumentException($"program \"{program.Name}\" is of type {UapiNames.Of(program.Type)}; {kind} attaches {string.Join(" or ", types.Select(t => "BPF_PROG_TYPE_" + UapiNames.Of(t)))} programs");
        }
    }
}
