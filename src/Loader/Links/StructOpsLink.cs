using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// A registered struct_ops map (libbpf's bpf_map__attach_struct_ops). Writing the value registers a <c>.struct_ops</c>
/// map with its subsystem at once, and deleting the element unregisters it; a <c>.struct_ops.link</c> map (BPF_F_LINK,
/// 6.4) only becomes ready on the write and is registered by BPF_LINK_CREATE with BPF_STRUCT_OPS, whose close
/// unregisters it.
/// </summary>
public sealed class StructOpsLink : BpfLink
{
    private readonly BpfMap? _registeredMap;

    private StructOpsLink(BpfAttachMethod method, BpfFileDescriptor? linkFd, BpfMap? registeredMap, string target)
        : base(method, linkFd, target)
    {
        _registeredMap = registeredMap;
    }

    /// <summary>Writes <paramref name="value"/> (program fds at the function pointers) into <paramref name="map"/> and registers it.</summary>
    internal static StructOpsLink Register(BpfMap map, ReadOnlySpan<byte> value, string structName)
    {
        var target = $"struct_ops {structName} '{map.Name}'";
        Span<byte> zeroKey = stackalloc byte[4];
        zeroKey.Clear();
        map.Update(zeroKey, value);
        if ((map.Flags & BpfMapFlags.Link) == 0)
            return new StructOpsLink(BpfAttachMethod.StructOpsMapUpdate, null, map, target);
        using var lease = map.Fd.Lease();
        // prog_fd's place holds map_fd for BPF_STRUCT_OPS (a union in uapi bpf.h since 6.4).
        var attr = new LinkCreateAttr { ProgFd = lease.Fd, AttachType = (uint)BpfAttachType.StructOps };
        return new StructOpsLink(BpfAttachMethod.LinkCreate, BpfSyscall.InvokeForFd(BpfCommand.LinkCreate, ref attr, target), null, target);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _registeredMap is { } map && !map.Fd.IsClosed)
        {
            Span<byte> zeroKey = stackalloc byte[4];
            zeroKey.Clear();
            try
            {
                map.Delete(zeroKey);
            }
            catch (BpfSyscallException)
            {
                // Disposal must not throw; closing the object's map fds unregisters it too, when the last one goes.
            }
        }
    }
}
