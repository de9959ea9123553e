using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>A BPF_PROG_TYPE_RAW_TRACEPOINT program on a raw tracepoint by name (SEC("raw_tp/NAME")), or a BTF-typed
/// program through BPF_RAW_TRACEPOINT_OPEN with no name (see <see cref="TracingLink"/>).</summary>
public sealed class RawTracepointLink : BpfLink
{
    private RawTracepointLink(BpfFileDescriptor linkFd, string target)
        : base(BpfAttachMethod.RawTracepointOpen, linkFd, target)
    {
    }

    /// <summary>Attaches to raw tracepoint <paramref name="name"/> (e.g. <c>sched_process_exit</c>).</summary>
    public static RawTracepointLink Attach(BpfProgram program, string name)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new RawTracepointLink(Open(program, name, "raw_tracepoint/" + name), "raw_tracepoint/" + name);
    }

    /// <summary>BPF_RAW_TRACEPOINT_OPEN; a null <paramref name="name"/> attaches by the program's attach_btf_id.</summary>
    internal static unsafe BpfFileDescriptor Open(BpfProgram program, string? name, string target)
    {
        var nameBytes = name is null ? null : BpfFs.NullTerminated(name);
        fixed (byte* namePointer = nameBytes)
        {
            using var lease = program.Fd.Lease();
            var attr = new RawTracepointOpenAttr { Name = (ulong)namePointer, ProgFd = lease.Fd };
            return BpfSyscall.InvokeForFd(BpfCommand.RawTracepointOpen, ref attr, $"program \"{program.Name}\" on {target}");
        }
    }
}
