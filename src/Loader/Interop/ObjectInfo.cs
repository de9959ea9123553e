using RawBpf.Elf;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Programs;

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
            info.ValueSize, info.MaxEntries, info.MapFlags, info.BtfId, info.BtfKeyTypeId, info.BtfValueTypeId);
    }

    public static BpfLinkInformation GetLinkInfo(BpfFileDescriptor fd)
    {
        var info = default(BpfLinkInfo);
        Get(fd, &info, sizeof(BpfLinkInfo));
        return new BpfLinkInformation(info.Id, info.Type, info.ProgId);
    }

    public static BtfInformation GetBtfInfo(BpfFileDescriptor fd)
    {
        var info = default(BpfBtfInfo);
        Get(fd, &info, sizeof(BpfBtfInfo));
        return new BtfInformation(info.Id, info.BtfSize, info.KernelBtf != 0);
    }

    private static void Get(BpfFileDescriptor fd, void* info, int length)
    {
        using var lease = fd.Lease();
        var attr = new ObjGetInfoByFdAttr { BpfFd = lease.Fd, InfoLen = (uint)length, Info = (ulong)info };
        BpfSyscall.InvokeOrThrow(BpfCommand.ObjGetInfoByFd, ref attr);
    }
}

/// <summary>Walking the kernel's object ids: which programs exist right now (BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID).</summary>
public static class BpfObjectIds
{
    /// <summary>Every loaded program's id, ascending.</summary>
    public static IReadOnlyList<uint> ProgramIds()
    {
        var ids = new List<uint>();
        var attr = new GetNextIdAttr();
        while (true)
        {
            if (BpfSyscall.Invoke(BpfCommand.ProgGetNextId, ref attr, out var errno) < 0)
            {
                return errno == Errno.ENOENT ? ids : throw new BpfSyscallException(BpfCommand.ProgGetNextId, errno);
            }

            ids.Add(attr.NextId);
            attr.StartId = attr.NextId;
        }
    }

    /// <summary>Opens a program by id; null when no such program exists (any more).</summary>
    public static BpfFileDescriptor? TryOpenProgram(uint id)
    {
        var attr = new GetFdByIdAttr { Id = id };
        var fd = BpfSyscall.Invoke(BpfCommand.ProgGetFdById, ref attr, out var errno);
        if (fd < 0)
        {
            return errno == Errno.ENOENT ? null : throw new BpfSyscallException(BpfCommand.ProgGetFdById, errno);
        }

        return BpfSyscall.OwnFd(fd);
    }
}
