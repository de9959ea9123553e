using Microsoft.Win32.SafeHandles;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// A BPF iterator (SEC("iter/task"), "iter/bpf_map"...): BPF_LINK_CREATE with BPF_TRACE_ITER (5.9) makes the link;
/// each <see cref="Open"/> (BPF_ITER_CREATE) starts a new walk whose output — what the program wrote with
/// bpf_seq_printf/bpf_seq_write — is read with read(2) until end of file.
/// </summary>
public sealed class IteratorLink : BpfLink
{
    private IteratorLink(BpfFileDescriptor linkFd, string target)
        : base(BpfAttachMethod.LinkCreate, linkFd, target)
    {
    }

    /// <summary>Creates the iterator link for a program loaded with expected attach type BPF_TRACE_ITER.</summary>
    public static IteratorLink Attach(BpfProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var target = "iter/" + program.Name;
        using var lease = program.Fd.Lease();
        var attr = new LinkCreateAttr { ProgFd = lease.Fd, AttachType = (uint)BpfAttachType.TraceIter };
        return new IteratorLink(BpfSyscall.InvokeForFd(BpfCommand.LinkCreate, ref attr, $"program \"{program.Name}\" on {target}"), target);
    }

    /// <summary>BPF_ITER_CREATE: a new pass of the iterator, read as a stream (not seekable) until its end.</summary>
    public Stream Open()
    {
        using var lease = LinkFd!.Lease();
        var attr = new IterCreateAttr { LinkFd = lease.Fd };
        var fd = BpfSyscall.InvokeForFd(BpfCommand.IterCreate, ref attr, Target);
        var raw = fd.DangerousGetHandle();
        fd.SetHandleAsInvalid();
        return new FileStream(new SafeFileHandle(raw, ownsHandle: true), FileAccess.Read, bufferSize: 0);
    }

    /// <summary>Reads one whole pass of the iterator as UTF-8 text.</summary>
    public string ReadAll()
    {
        using var stream = Open();
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
