using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Uapi;

namespace RawBpf.Loader.Links;

/// <summary>
/// A registered struct_ops map (libbpf's bpf_map__attach_struct_ops). Writing the value registers a <c>.struct_ops</c>
/// map with its subsystem at once, and deleting the element unregisters it (the kernel holds the map meanwhile, so it
/// stays registered after every fd is closed); a <c>.struct_ops.link</c> map (BPF_F_LINK, 6.4) only becomes ready on
/// the write and is registered by BPF_LINK_CREATE with BPF_STRUCT_OPS, whose release unregisters it.
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
        try
        {
            map.Update(zeroKey, value);
            if ((map.Flags & BpfMapFlags.Link) == 0)
                return new StructOpsLink(BpfAttachMethod.StructOpsMapUpdate, null, map, target);
            using var lease = map.Fd.Lease();
            // prog_fd's place holds map_fd for BPF_STRUCT_OPS (a union in uapi bpf.h since 6.4).
            var attr = new LinkCreateAttr { ProgFd = lease.Fd, AttachType = (uint)BpfAttachType.StructOps };
            return new StructOpsLink(BpfAttachMethod.LinkCreate, BpfSyscall.InvokeForFd(BpfCommand.LinkCreate, ref attr, target), null, target);
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.EEXIST)
        {
            // The subsystem's registry refused it (tcp_register_congestion_control, say): names are global.
            throw new BpfAttachException($"{target} was refused with EEXIST by {UapiNames.Command(e.Command)}: a {structName} of the same name is registered already", e);
        }
    }

    /// <summary>
    /// Unregisters a registered <c>.struct_ops</c> map, wherever it was registered from (bpftool struct_ops unregister):
    /// BPF_MAP_DELETE_ELEM of key 0. A map registered through a bpf_link is refused (the link's release unregisters it),
    /// as is one that is not registered.
    /// </summary>
    public static void Unregister(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        // Named as bpftool names it; the id is looked up only for a failure's message.
        string Subject() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"struct_ops map {map.Name} id {map.GetInfo().Id}");
        Span<byte> zeroKey = stackalloc byte[4];
        zeroKey.Clear();
        try
        {
            if (!map.Delete(zeroKey))
                throw new BpfAttachException($"{Subject()} is not registered");
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.EINPROGRESS)
        {
            // The kernel's struct_ops state is TOBEFREE: unregistered, the map waits for its last reference to go.
            throw new BpfAttachException($"{Subject()} is not registered (unregistered already)", e);
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.EOPNOTSUPP && (map.Flags & BpfMapFlags.Link) != 0)
        {
            throw new BpfAttachException($"{Subject()} is a .struct_ops.link map: its bpf_link registers it, which BPF_MAP_DELETE_ELEM cannot undo (remove the link's pin, or end the process holding the link)", e);
        }
    }

    /// <summary>
    /// The kernel struct a struct_ops map implements (<c>tcp_congestion_ops</c>), named by its btf_vmlinux_value_type_id:
    /// the kernel's <c>struct bpf_struct_ops_&lt;name&gt;</c> in <paramref name="vmlinux"/>.
    /// </summary>
    public static string KernelStructName(BpfMapInformation map, Btf vmlinux)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(vmlinux);
        if (map.Type != BpfMapType.StructOps || !vmlinux.ContainsType((int)map.BtfVmlinuxValueTypeId))
            throw new ArgumentException($"map '{map.Name}' id {map.Id} names no kernel struct_ops type (btf_vmlinux_value_type_id {map.BtfVmlinuxValueTypeId})", nameof(map));
        return StructOpsKernelLayout.StructName(vmlinux.GetType((int)map.BtfVmlinuxValueTypeId).Name);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && !IsDisconnected && _registeredMap is { } map && !map.Fd.IsClosed)
        {
            try
            {
                Unregister(map);
            }
            catch (BpfAttachException)
            {
                // Disposal must not throw: someone else unregistered it already (bpftool struct_ops unregister, say).
            }
            catch (BpfSyscallException)
            {
            }
        }
    }
}
