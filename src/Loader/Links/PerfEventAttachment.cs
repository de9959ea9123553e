using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// Hooks a program to an open perf event, the common last step of tracepoint, kprobe, uprobe and perf_event
/// attachments: BPF_LINK_CREATE(BPF_PERF_EVENT) where the kernel has it (5.15), carrying the BPF cookie, else
/// PERF_EVENT_IOC_SET_BPF + PERF_EVENT_IOC_ENABLE (the perf event fd then owns the attachment).
/// </summary>
internal static class PerfEventAttachment
{
    /// <summary>Attaches; on failure the caller still owns <paramref name="perfEvent"/>.</summary>
    public static (BpfAttachMethod Method, BpfFileDescriptor? LinkFd) Attach(
        BpfProgram program, PerfEventFileDescriptor perfEvent, ulong cookie, TracepointAttachPreference preference, string target)
    {
        var useLink = preference switch
        {
            TracepointAttachPreference.ForceLink => true,
            TracepointAttachPreference.ForceIoctl => false,
            _ => KernelFeatures.HasPerfEventLink,
        };
        if (cookie != 0 && !useLink)
        {
            throw preference == TracepointAttachPreference.ForceIoctl
                ? new ArgumentException($"a BPF cookie needs a bpf_link: {target} was asked to attach through PERF_EVENT_IOC_SET_BPF", nameof(cookie))
                : new BpfLinkNotSupportedException("BPF cookies on perf events (BPF_LINK_CREATE with BPF_PERF_EVENT)", "5.15");
        }

        if (useLink)
        {
            using var programLease = program.Fd.Lease();
            using var eventLease = perfEvent.Lease();
            var link = new LinkCreateAttr
            {
                ProgFd = programLease.Fd,
                TargetFd = eventLease.Fd,
                AttachType = (uint)BpfAttachType.PerfEvent,
                BpfCookie = cookie,
            };
            return (BpfAttachMethod.PerfEventLink, BpfSyscall.InvokeForFd(BpfCommand.LinkCreate, ref link, $"program \"{program.Name}\" on {target}"));
        }

        using var lease = program.Fd.Lease();
        KernelCalls.Ioctl(perfEvent, Libc.PERF_EVENT_IOC_SET_BPF, "PERF_EVENT_IOC_SET_BPF", lease.Fd);
        KernelCalls.Ioctl(perfEvent, Libc.PERF_EVENT_IOC_ENABLE, "PERF_EVENT_IOC_ENABLE", 0);
        return (BpfAttachMethod.PerfEventIoctl, null);
    }
}
