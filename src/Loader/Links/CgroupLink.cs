using System.Runtime.InteropServices;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>How a cgroup program is attached.</summary>
internal enum CgroupAttachMode
{
    /// <summary>A cgroup link where the kernel has them (probed: 5.7+), else BPF_PROG_ATTACH.</summary>
    Automatic,

    /// <summary>BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI, whatever the kernel (used to test the old path).</summary>
    ProgAttach,
}

/// <summary>
/// cgroup programs (cgroup_skb, cgroup/sock_create, cgroup/connect4, ...) on a cgroup v2 directory: BPF_LINK_CREATE on
/// the directory's fd (5.7), or on older kernels BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI, undone by BPF_PROG_DETACH.
/// The program runs for the sockets of every process in the cgroup and its descendants.
/// </summary>
public sealed class CgroupLink : BpfLink
{
    private static readonly BpfProgramType[] CgroupProgramTypes =
    [
        BpfProgramType.CgroupSkb, BpfProgramType.CgroupSock, BpfProgramType.CgroupSockAddr, BpfProgramType.SockOps,
        BpfProgramType.CgroupDevice, BpfProgramType.CgroupSysctl, BpfProgramType.CgroupSockopt, BpfProgramType.Lsm,
    ];

    private readonly ProgAttachment? _progAttachment;

    private CgroupLink(BpfFileDescriptor linkFd, string target)
        : base(BpfAttachMethod.LinkCreate, linkFd, target)
    {
    }

    private CgroupLink(ProgAttachment attachment, string target)
        : base(BpfAttachMethod.ProgAttach, null, target) => _progAttachment = attachment;

    /// <summary>Attaches to cgroup v2 directory <paramref name="cgroupPath"/> at hook <paramref name="attachType"/> (e.g. CgroupInet4Connect).</summary>
    /// <exception cref="ArgumentException">The path is not a cgroup v2 directory, or the program type is not a cgroup one.</exception>
    public static CgroupLink Attach(BpfProgram program, string cgroupPath, BpfAttachType attachType) =>
        Attach(program, cgroupPath, attachType, CgroupAttachMode.Automatic);

    internal static CgroupLink Attach(BpfProgram program, string cgroupPath, BpfAttachType attachType, CgroupAttachMode mode)
    {
        ArgumentNullException.ThrowIfNull(program);
        NetworkLinkCreate.RequireType(program, "a cgroup", CgroupProgramTypes);
        var directory = Cgroup.Resolve(cgroupPath);
        var target = $"cgroup {directory} ({UapiNames.Of(attachType)})";
        var cgroup = Cgroup.Open(directory);
        try
        {
            using var cgroupLease = cgroup.Lease();
            if (mode == CgroupAttachMode.Automatic && KernelFeatures.HasCgroupLink)
            {
                // The link holds its own reference to the cgroup: the directory fd is closed below.
                var fd = NetworkLinkCreate.Create(program, cgroupLease.Fd, attachType, 0, target, errno => Hint(errno, program, attachType));
                cgroup.Dispose();
                return new CgroupLink(fd, target);
            }

            // The attachment belongs to the cgroup: detaching names it, the program and the hook again.
            var programFd = BpfSyscall.OwnFd(Duplicate(program.Fd));
            using var programLease = programFd.Lease();
            var attr = new ProgAttachAttr { TargetFd = cgroupLease.Fd, AttachBpfFd = programLease.Fd, AttachType = (uint)attachType, AttachFlags = ProgAttachAttr.BPF_F_ALLOW_MULTI };
            if (BpfSyscall.Invoke(BpfCommand.ProgAttach, ref attr, out var errno) < 0)
            {
                programFd.Dispose();
                throw NetworkLinkCreate.Failure(BpfCommand.ProgAttach, errno, program, target, Hint(errno, program, attachType));
            }

            return new CgroupLink(new ProgAttachment(cgroup, programFd, attachType), target);
        }
        catch
        {
            cgroup.Dispose();
            throw;
        }
    }

    private static string? Hint(int errno, BpfProgram program, BpfAttachType attachType) => errno switch
    {
        Errno.EINVAL when program.ExpectedAttachType != attachType && program.Type is BpfProgramType.CgroupSockAddr or BpfProgramType.CgroupSock or BpfProgramType.CgroupSockopt
            => $"the program was loaded for {UapiNames.Of(program.ExpectedAttachType)} (its section), not {UapiNames.Of(attachType)}",
        Errno.EINVAL => $"{UapiNames.Of(attachType)} does not take a BPF_PROG_TYPE_{UapiNames.Of(program.Type)} program on this kernel",
        Errno.EPERM => "a program attached to this cgroup without BPF_F_ALLOW_MULTI (or with BPF_F_ALLOW_OVERRIDE only) keeps others out",
        _ => null,
    };

    private static int Duplicate(BpfFileDescriptor fd)
    {
        using var lease = fd.Lease();
        var copy = Libc.fcntl((int)lease.Fd, Libc.F_DUPFD_CLOEXEC, 3);
        return copy >= 0 ? copy : throw new LinuxSyscallException("fcntl(F_DUPFD_CLOEXEC)", Marshal.GetLastPInvokeError());
    }

    /// <summary>Closes the link, or detaches the program with BPF_PROG_DETACH (a disconnected one stays attached).</summary>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _progAttachment?.Release(detach: !IsDisconnected);
        }
    }

    /// <summary>What BPF_PROG_DETACH names to undo a BPF_PROG_ATTACH: this program on this hook of this cgroup; released once.</summary>
    private sealed class ProgAttachment(CgroupFileDescriptor cgroup, BpfFileDescriptor program, BpfAttachType attachType)
    {
        private int _released;

        /// <summary>Closes the descriptors, detaching the program first when <paramref name="detach"/>.</summary>
        public void Release(bool detach)
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            using (cgroup)
            using (program)
            {
                if (!detach)
                {
                    return;
                }

                using var cgroupLease = cgroup.Lease();
                using var programLease = program.Lease();
                var attr = new ProgAttachAttr { TargetFd = cgroupLease.Fd, AttachBpfFd = programLease.Fd, AttachType = (uint)attachType };
                BpfSyscall.InvokeOrThrow(BpfCommand.ProgDetach, ref attr, "a cgroup program");
            }
        }
    }
}
