using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>BPF_OBJ_GET_INFO_BY_FD for each object kind.</summary>
internal static unsafe class ObjectInfo
{
    public static BpfProgramInformation GetProgramInfo(BpfFileDescriptor fd)
    {
        var info = default(BpfProgInfo);
        Get(fd, &info, sizeof(BpfProgInfo));
        var tag = Convert.ToHexStringLower(new ReadOnlySpan<byte>(info.Tag, BpfLimits.TagSize));
        return new BpfProgramInformation(
            info.Id, (BpfProgramType)info.Type, AttrText.FixedName(info.Name, BpfLimits.ObjectNameLength), tag,
            info.XlatedProgLen, info.JitedProgLen, info.NrMapIds, info.BtfId, info.NrFuncInfo, info.NrLineInfo,
            info.VerifiedInsns, (info.GplCompatible & 1) != 0);
    }

    public static BpfMapInformation GetMapInfo(BpfFileDescriptor fd)
    {
        var info = default(BpfMapInfo);
        Get(fd, &info, sizeof(BpfMapInfo));
        return new BpfMapInformation(
            info.Id, (BpfMapType)info.Type, AttrText.FixedName(info.Name, BpfLimits.ObjectNameLength), info.KeySize,
            info.ValueSize, info.MaxEntries, (BpfMapFlags)info.MapFlags, info.BtfId, info.BtfKeyTypeId, info.BtfValueTypeId)
        {
            BtfVmlinuxValueTypeId = info.BtfVmlinuxValueTypeId,
        };
    }

    /// <summary>The link's head, then (second call, with a buffer for the names some kinds copy out) what it is attached to.</summary>
    public static BpfLinkInformation GetLinkInfo(BpfFileDescriptor fd)
    {
        var info = default(BpfLinkInfo);
        Get(fd, &info, sizeof(BpfLinkInfo));
        var head = new BpfLinkInformation(info.Id, info.Type, info.ProgId);
        const int NameCapacity = 4096;
        var name = stackalloc byte[NameCapacity];
        var type = info.Type;
        info = default;
        switch ((BpfLinkType)type)
        {
            case BpfLinkType.RawTracepoint:
                info.TpName = (ulong)name;
                info.TpNameLen = NameCapacity;
                break;
            case BpfLinkType.Iter:
                info.IterTargetName = (ulong)name;
                info.IterTargetNameLen = NameCapacity;
                break;
            case BpfLinkType.UprobeMulti:
                info.UprobeMultiPath = (ulong)name;
                info.UprobeMultiPathSize = NameCapacity;
                break;
            case BpfLinkType.PerfEvent:
                // The type decides which union member the kernel fills; every named one keeps its name at 24.
                Get(fd, &info, sizeof(BpfLinkInfo));
                var perfType = info.PerfEventType;
                info = default;
                info.PerfEventType = perfType;
                if (perfType is >= 1 and <= 5)
                {
                    info.PerfEventName = (ulong)name;
                    info.PerfEventNameLen = NameCapacity;
                }

                break;
        }

        Get(fd, &info, sizeof(BpfLinkInfo));
        return head with { Target = LinkTarget(type, info, AttrText.FixedName(name, NameCapacity)) };
    }

    /// <summary>What bpftool prints after a link's type, from the kind's member of the info union.</summary>
    private static string? LinkTarget(uint type, in BpfLinkInfo info, string name)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return (BpfLinkType)type switch
        {
            BpfLinkType.RawTracepoint => "tp " + name,
            BpfLinkType.Tracing => string.Create(culture, $"attach_type {UapiNames.Of((BpfAttachType)info.TracingAttachType)} target_obj_id {info.TracingTargetObjId} target_btf_id {info.TracingTargetBtfId}"),
            BpfLinkType.Cgroup => string.Create(culture, $"cgroup {info.CgroupId} attach_type {UapiNames.Of((BpfAttachType)info.CgroupAttachType)}"),
            BpfLinkType.Iter => "target " + name,
            BpfLinkType.Netns => string.Create(culture, $"netns_ino {info.NetnsIno} attach_type {UapiNames.Of((BpfAttachType)info.NetnsAttachType)}"),
            BpfLinkType.Xdp or BpfLinkType.Netkit => string.Create(culture, $"ifindex {info.Ifindex}"),
            BpfLinkType.Tcx => string.Create(culture, $"ifindex {info.Ifindex} attach_type {UapiNames.Of((BpfAttachType)info.TcxAttachType)}"),
            BpfLinkType.KprobeMulti => string.Create(culture, $"{((info.KprobeMultiFlags & LinkCreateAttr.BPF_F_KPROBE_MULTI_RETURN) != 0 ? "kretprobe.multi" : "kprobe.multi")} func_cnt {info.KprobeMultiCount}"),
            BpfLinkType.UprobeMulti => string.Create(culture, $"{((info.UprobeMultiFlags & LinkCreateAttr.BPF_F_UPROBE_MULTI_RETURN) != 0 ? "uretprobe.multi" : "uprobe.multi")} path {name} func_cnt {info.UprobeMultiCount}{(info.UprobeMultiPid != 0 ? $" pid {info.UprobeMultiPid}" : string.Empty)}"),
            BpfLinkType.PerfEvent => info.PerfEventType switch
            {
                1 or 2 => string.Create(culture, $"{(info.PerfEventType == 1 ? "uprobe" : "uretprobe")} {name}+0x{info.PerfEventOffset:x}"),
                3 or 4 => string.Create(culture, $"{(info.PerfEventType == 3 ? "kprobe" : "kretprobe")} {name}{(info.PerfEventOffset != 0 ? $"+0x{info.PerfEventOffset:x}" : string.Empty)}"),
                5 => "tracepoint " + name,
                6 => string.Create(culture, $"event {info.PerfEventEventType}:{info.PerfEventConfig}"),
                // Before 6.6 the kernel says nothing about a perf event link's event.
                _ => null,
            },
            _ => null,
        };
    }

    public static BtfInformation GetBtfInfo(BpfFileDescriptor fd)
    {
        var info = default(BpfBtfInfo);
        Get(fd, &info, sizeof(BpfBtfInfo));
        return new BtfInformation(info.Id, info.BtfSize, info.KernelBtf != 0);
    }

    /// <summary>The name of a kernel BTF object ("vmlinux" or the module's), or null for BTF a program loaded (kernel_btf 0).</summary>
    public static string? GetKernelBtfName(BpfFileDescriptor fd)
    {
        // The kernel copies at most name_len - 1 bytes and a NUL; module names are shorter than MODULE_NAME_LEN (56).
        const int NameCapacity = 64;
        var name = stackalloc byte[NameCapacity];
        var info = new BpfBtfInfo { Name = (ulong)name, NameLen = NameCapacity };
        Get(fd, &info, sizeof(BpfBtfInfo));
        return info.KernelBtf != 0 ? AttrText.FixedName(name, NameCapacity) : null;
    }

    private static void Get(BpfFileDescriptor fd, void* info, int length)
    {
        using var lease = fd.Lease();
        var attr = new ObjGetInfoByFdAttr { BpfFd = lease.Fd, InfoLen = (uint)length, Info = (ulong)info };
        BpfSyscall.InvokeOrThrow(BpfCommand.ObjGetInfoByFd, ref attr);
    }
}

/// <summary>Walking the kernel's object ids: which programs, links, maps and BTF objects exist right now (BPF_*_GET_NEXT_ID, BPF_*_GET_FD_BY_ID).</summary>
public static class BpfObjectIds
{
    /// <summary>Every loaded program's id, ascending.</summary>
    public static IReadOnlyList<uint> ProgramIds() => Ids(BpfCommand.ProgGetNextId);

    /// <summary>Every link's id, ascending (BPF_LINK_GET_NEXT_ID, 5.8).</summary>
    public static IReadOnlyList<uint> LinkIds() => Ids(BpfCommand.LinkGetNextId);

    /// <summary>Every BTF object's id, ascending: vmlinux, the modules' and those programs loaded (BPF_BTF_GET_NEXT_ID, CAP_SYS_ADMIN).</summary>
    public static IReadOnlyList<uint> BtfIds() => Ids(BpfCommand.BtfGetNextId);

    /// <summary>Every map's id, ascending (BPF_MAP_GET_NEXT_ID).</summary>
    public static IReadOnlyList<uint> MapIds() => Ids(BpfCommand.MapGetNextId);

    private static List<uint> Ids(BpfCommand next)
    {
        var ids = new List<uint>();
        var attr = new GetNextIdAttr();
        while (true)
        {
            if (BpfSyscall.Invoke(next, ref attr, out var errno) < 0)
            {
                return errno == Errno.ENOENT ? ids : throw new BpfSyscallException(next, errno);
            }

            ids.Add(attr.NextId);
            attr.StartId = attr.NextId;
        }
    }

    /// <summary>What link <paramref name="id"/> is, or null when no such link exists (any more).</summary>
    public static BpfLinkInformation? TryGetLinkInfo(uint id)
    {
        using var link = TryOpen(BpfCommand.LinkGetFdById, id);
        return link is null ? null : ObjectInfo.GetLinkInfo(link);
    }

    /// <summary>Opens a program by id; null when no such program exists (any more).</summary>
    public static BpfFileDescriptor? TryOpenProgram(uint id) => TryOpen(BpfCommand.ProgGetFdById, id);

    /// <summary>Opens a BTF object by id (CAP_SYS_ADMIN); null when no such object exists (any more).</summary>
    public static BpfFileDescriptor? TryOpenBtf(uint id) => TryOpen(BpfCommand.BtfGetFdById, id);

    /// <summary>Opens a map by id (BPF_MAP_GET_FD_BY_ID); null when no such map exists (any more).</summary>
    public static BpfMap? TryOpenMap(uint id) => TryOpen(BpfCommand.MapGetFdById, id) is { } fd ? BpfMap.FromFd(fd) : null;

    private static BpfFileDescriptor? TryOpen(BpfCommand getFdById, uint id)
    {
        var attr = new GetFdByIdAttr { Id = id };
        var fd = BpfSyscall.Invoke(getFdById, ref attr, out var errno);
        if (fd < 0)
        {
            return errno == Errno.ENOENT ? null : throw new BpfSyscallException(getFdById, errno);
        }

        return BpfSyscall.OwnFd(fd);
    }
}
