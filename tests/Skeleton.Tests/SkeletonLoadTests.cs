using System.Runtime.InteropServices;
using RawBpf.Loader.Readers;
using static RawBpf.Skeleton.Tests.SkeletonTypesSkeleton;

namespace RawBpf.Skeleton.Tests;

/// <summary>skeleton_types.bpf.o through the skeleton RawBpf.Generator made at build time: variables, load, attach, typed records.</summary>
public sealed partial class SkeletonLoadTests
{
    /// <summary>getpid(2): triggers syscalls/sys_enter_getpid (glibc no longer caches it).</summary>
    [LibraryImport("libc")]
    private static partial int getpid();

    [Fact]
    public void DataVariableReadsTheValuesClangLaidOut()
    {
        using var skeleton = SkeletonTypesSkeleton.Open();
        var sample = skeleton.Data.Sample;
        AssertSample(sample);
        Assert.Equal(0u, skeleton.Rodata.TargetTgid);
        Assert.Equal(0ul, skeleton.Bss.Emitted);
    }

    [Fact]
    public void LoadsAttachesAndReadsTypedRecords()
    {
        using var skeleton = SkeletonTypesSkeleton.Open();
        skeleton.Rodata.TargetTgid = (uint)getpid();
        Assert.Equal((uint)getpid(), skeleton.Rodata.TargetTgid);
        skeleton.Load();
        skeleton.Attach();
        Assert.Single(skeleton.Object.Links);
        using var ring = new RingBuffer(skeleton.Maps.Shapes);
        for (var i = 0; i < 3; i++)
            getpid();
        var seqs = new List<uint>();
        ring.Consume(ref seqs, static (ref List<uint> seen, ReadOnlySpan<byte> record) =>
        {
            ref readonly var shape = ref MemoryMarshal.AsRef<ShapeRecord>(record);
            AssertSample(shape, expectedSeq: (uint)seen.Count);
            seen.Add(shape.Seq);
        }, 10);
        Assert.Equal([0u, 1u, 2u], seqs);
        // After load a variable is read from the kernel's map.
        Assert.Equal(3ul, skeleton.Bss.Emitted);
        Assert.Throws<InvalidOperationException>(() => skeleton.Rodata.TargetTgid = 1);
    }

    /// <summary>The initializer of <c>sample</c> in skeleton_types.bpf.c, field by field.</summary>
    private static void AssertSample(in ShapeRecord shape, uint expectedSeq = 7)
    {
        Assert.Equal(expectedSeq, shape.Seq);
        Assert.Equal(ShapeKind.Square, shape.Kind);
        Assert.Equal((1, 2, -3, 4), (shape.Corners[0].X, shape.Corners[0].Y, shape.Corners[1].X, shape.Corners[1].Y));
        Assert.Equal(0x1122334455667788ul, shape.Value.AsU64);
        Assert.Equal((0x55667788u, 0x11223344u), (shape.Value.AsU32[0], shape.Value.AsU32[1]));
        Assert.Equal((5, 6), (shape.Left, shape.Right));
        Assert.Equal((10, 20, 30), (shape.Color.R, shape.Color.G, shape.Color.B));
        var bits = shape.Bits;
        Assert.Equal((1u, 5u, -7, 0xabcdeu, (byte)0x42, ShapeKind.Square, 0x123456789aul),
            (bits.Ready, bits.Mode, bits.Delta, bits.Wide, bits.Tail, bits.KindBits, bits.Big));
        ReadOnlySpan<byte> label = shape.Label;
        Assert.Equal("sample"u8.ToArray(), label[..label.IndexOf((byte)0)].ToArray());
        Assert.Equal(0ul, shape.Ptr);
        Assert.Equal((ShapeLevel.Low, ShapeTag.Red), (shape.Level, shape.Tag));
        Assert.Equal((sbyte)-1, (sbyte)shape.Level);
        Assert.Equal((3, 6), (shape.Matrix[0][2], shape.Matrix[1][2]));
    }

    [Fact]
    public void BitfieldSettersKeepTheirNeighbours()
    {
        var bits = default(FlagBits);
        bits.Delta = -16;
        bits.Wide = 0xfffff;
        bits.Mode = 2;
        bits.Big = 1;
        Assert.Equal((0u, 2u, -16, 0xfffffu, (byte)0, 1ul), (bits.Ready, bits.Mode, bits.Delta, bits.Wide, bits.Tail, bits.Big));
        bits.Wide = 0;
        Assert.Equal((2u, -16), (bits.Mode, bits.Delta));
    }
}
