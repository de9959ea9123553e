using System.Buffers.Binary;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Objects;
using RawBpf.Tests.Shared;

namespace RawBpf.Loader.Tests;

/// <summary>Opening the clang-built test objects and reading their globals back from the kernel.</summary>
internal static class ObjectTestSupport
{
    public static BpfObject OpenTestObject(string name) => BpfObject.Open(Path.Combine(RepoPaths.TestBpfObjects, name));

    public static BpfObject OpenExitsnoop() => BpfObject.Open(Path.Combine(RepoPaths.BpfObjects, "exitsnoop.bpf.o"));

    /// <summary>The current bytes of global <paramref name="name"/>, read from its data map in the kernel.</summary>
    public static byte[] ReadGlobal(BpfObject obj, string name)
    {
        var (definition, variable) = obj.File.FindVariable(name) ?? throw new KeyNotFoundException(name);
        var map = obj.GetMap(definition.Name);
        var value = new byte[map.ValueBufferSize];
        Assert.True(map.TryLookup(stackalloc byte[4], value), $"lookup of {definition.Name}[0]");
        return variable.Read(value).ToArray();
    }

    public static ulong ReadU64(BpfObject obj, string name) => BinaryPrimitives.ReadUInt64LittleEndian(ReadGlobal(obj, name));

    public static uint ReadU32(BpfObject obj, string name) => BinaryPrimitives.ReadUInt32LittleEndian(ReadGlobal(obj, name));

    public static long ReadS64(BpfObject obj, string name) => BinaryPrimitives.ReadInt64LittleEndian(ReadGlobal(obj, name));

    public static int ReadS32(BpfObject obj, string name) => BinaryPrimitives.ReadInt32LittleEndian(ReadGlobal(obj, name));

    /// <summary>Sum of a per-CPU array's u64 slots at key 0.</summary>
    public static ulong SumPerCpu(BpfMap map)
    {
        var value = new byte[map.ValueBufferSize];
        if (!map.TryLookup(stackalloc byte[4], value))
            return 0;
        ulong sum = 0;
        for (var offset = 0; offset < value.Length; offset += map.PerCpuValueStride)
            sum += BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(offset));
        return sum;
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> twice and requires that the second run leaves exactly the file descriptors
    /// and loaded programs it found. (The first run loads assemblies and lazy probes, which keep files open.)
    /// </summary>
    public static void AssertLeavesNothingBehind(Action scenario)
    {
        scenario();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var fdsBefore = OpenFds();
        var programsBefore = BpfObjectIds.ProgramIds().ToHashSet();

        scenario();

        var fdsAfter = OpenFds();
        var leaked = fdsAfter.Except(fdsBefore).ToList();
        Assert.True(leaked.Count == 0 && fdsAfter.Count == fdsBefore.Count, "left open: " + string.Join(", ", leaked));
        // The kernel frees a program when its last reference goes; a perf event's reference may be dropped from
        // deferred work, so give it a moment.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<uint> remaining;
        while ((remaining = BpfObjectIds.ProgramIds().Except(programsBefore).ToList()).Count > 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(10);
        Assert.True(remaining.Count == 0, "programs still loaded: " + string.Join(", ", remaining));
    }

    /// <summary>This process's open descriptors as "fd -> target".</summary>
    public static List<string> OpenFds() =>
        Directory.GetFiles("/proc/self/fd").Select(f => $"{Path.GetFileName(f)} -> {new FileInfo(f).LinkTarget}").ToList();
}
