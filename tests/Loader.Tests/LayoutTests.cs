using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RawBpf.BtfCore;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>The ABI structs against the offsets of /usr/include/linux/bpf.h and perf_event.h (printed by a C
/// program with offsetof when these were written).</summary>
public class LayoutTests
{
    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);

    [Fact]
    public void AttrStructsHaveTheKernelSizes()
    {
        Assert.Equal(72, Unsafe.SizeOf<MapCreateAttr>());   // offsetofend(union bpf_attr, map_extra)
        Assert.Equal(32, Unsafe.SizeOf<MapElemAttr>());     // offsetofend(flags)
        Assert.Equal(24, Unsafe.SizeOf<MapGetNextKeyAttr>());
        Assert.Equal(4, Unsafe.SizeOf<MapFreezeAttr>());
        Assert.Equal(144, Unsafe.SizeOf<ProgLoadAttr>());   // offsetofend(log_true_size)
        Assert.Equal(32, Unsafe.SizeOf<BtfLoadAttr>());     // offsetofend(btf_log_true_size)
        Assert.Equal(16, Unsafe.SizeOf<ObjPinAttr>());
        Assert.Equal(16, Unsafe.SizeOf<ObjGetAttr>());
        Assert.Equal(64, Unsafe.SizeOf<LinkCreateAttr>());
        Assert.Equal(16, Unsafe.SizeOf<RawTracepointOpenAttr>());
        Assert.Equal(16, Unsafe.SizeOf<ObjGetInfoByFdAttr>());
        Assert.Equal(12, Unsafe.SizeOf<GetNextIdAttr>());
        Assert.Equal(232, Unsafe.SizeOf<BpfProgInfo>());
        Assert.Equal(88, Unsafe.SizeOf<BpfMapInfo>());
        Assert.Equal(72, Unsafe.SizeOf<BpfLinkInfo>());
        Assert.Equal(32, Unsafe.SizeOf<BpfBtfInfo>());
        Assert.Equal(128, Unsafe.SizeOf<PerfEventAttr>());  // PERF_ATTR_SIZE_VER7
        Assert.Equal(12, Unsafe.SizeOf<EpollEvent>());      // packed on x86-64
        Assert.Equal(8, Unsafe.SizeOf<BpfInstruction>());
    }

    [Fact]
    public void FieldOffsetsMatchTheUapiHeaders()
    {
        Assert.Equal(28, Offset<MapCreateAttr>(nameof(MapCreateAttr.MapName)));
        Assert.Equal(48, Offset<MapCreateAttr>(nameof(MapCreateAttr.BtfFd)));
        Assert.Equal(64, Offset<MapCreateAttr>(nameof(MapCreateAttr.MapExtra)));
        Assert.Equal(8, Offset<MapElemAttr>(nameof(MapElemAttr.Key)));
        Assert.Equal(16, Offset<MapElemAttr>(nameof(MapElemAttr.Value)));
        Assert.Equal(24, Offset<MapElemAttr>(nameof(MapElemAttr.Flags)));
        Assert.Equal(16, Offset<MapGetNextKeyAttr>(nameof(MapGetNextKeyAttr.NextKey)));
        Assert.Equal(8, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.Insns)));
        Assert.Equal(16, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.License)));
        Assert.Equal(24, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.LogLevel)));
        Assert.Equal(32, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.LogBuf)));
        Assert.Equal(48, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.ProgName)));
        Assert.Equal(68, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.ExpectedAttachType)));
        Assert.Equal(72, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.ProgBtfFd)));
        Assert.Equal(80, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.FuncInfo)));
        Assert.Equal(96, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.LineInfo)));
        Assert.Equal(108, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.AttachBtfId)));
        Assert.Equal(112, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.AttachBtfObjFd)));
        Assert.Equal(120, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.FdArray)));
        Assert.Equal(140, Offset<ProgLoadAttr>(nameof(ProgLoadAttr.LogTrueSize)));
        Assert.Equal(16, Offset<BtfLoadAttr>(nameof(BtfLoadAttr.BtfSize)));
        Assert.Equal(28, Offset<BtfLoadAttr>(nameof(BtfLoadAttr.BtfLogTrueSize)));
        Assert.Equal(8, Offset<ObjPinAttr>(nameof(ObjPinAttr.BpfFd)));
        Assert.Equal(8, Offset<LinkCreateAttr>(nameof(LinkCreateAttr.AttachType)));
        Assert.Equal(16, Offset<LinkCreateAttr>(nameof(LinkCreateAttr.BpfCookie)));
        Assert.Equal(8, Offset<RawTracepointOpenAttr>(nameof(RawTracepointOpenAttr.ProgFd)));
        Assert.Equal(8, Offset<ObjGetInfoByFdAttr>(nameof(ObjGetInfoByFdAttr.Info)));
        Assert.Equal(64, Offset<BpfProgInfo>(nameof(BpfProgInfo.Name)));
        Assert.Equal(216, Offset<BpfProgInfo>(nameof(BpfProgInfo.VerifiedInsns)));
        Assert.Equal(24, Offset<BpfMapInfo>(nameof(BpfMapInfo.Name)));
        Assert.Equal(64, Offset<BpfMapInfo>(nameof(BpfMapInfo.BtfId)));
        Assert.Equal(48, Offset<PerfEventAttr>(nameof(PerfEventAttr.WakeupEvents)));
        Assert.Equal(56, Offset<PerfEventAttr>(nameof(PerfEventAttr.Config1)));
        Assert.Equal(4, Offset<EpollEvent>(nameof(EpollEvent.Data)));
    }

    [Fact]
    public void InstructionEncodingPutsDestinationInTheLowNibble()
    {
        var (first, second) = BpfAssembler.LoadMapFd(1, 7);
        var bytes = MemoryMarshal.AsBytes(new[] { first, second }.AsSpan()).ToArray();
        Assert.Equal(new byte[] { 0x18, 0x11, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, bytes);
        Assert.Equal(new byte[] { 0x95, 0, 0, 0, 0, 0, 0, 0 }, MemoryMarshal.AsBytes(new[] { BpfAssembler.Exit() }.AsSpan()).ToArray());
    }

    [Fact]
    public void UapiNamesRoundTrip()
    {
        Assert.Equal("PERCPU_ARRAY", UapiNames.Of(BpfMapType.PercpuArray));
        Assert.Equal("RINGBUF", UapiNames.Of(BpfMapType.Ringbuf));
        Assert.Equal("BPF_OBJ_GET_INFO_BY_FD", UapiNames.Command(BpfCommand.ObjGetInfoByFd));
        Assert.Equal("LIRC_MODE2", UapiNames.Of(BpfProgramType.LircMode2));
        Assert.Equal("PERF_EVENT", UapiNames.Of(BpfAttachType.PerfEvent));
    }

    [Fact]
    public void CpuListsParse()
    {
        Assert.Equal([0, 1, 2, 3, 5, 7, 8], CpuSet.Parse("0-3,5,7-8\n"));
        Assert.Throws<FormatException>(() => CpuSet.Parse("0-x"));
        Assert.True(CpuSet.PossibleCount >= Environment.ProcessorCount);
    }
}
