using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Objects;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// multi_prog.bpf.o: two programs calling the same .text subprogram, a global function, .data/.rodata/.bss,
/// .kconfig externs and five map types. Each program runs once under BPF_PROG_TEST_RUN in this thread, so
/// <c>current</c> is this process and the results are exact (the values libbpf's loader gives on this kernel).
/// </summary>
public class MultiProgTests
{
    private const ulong DefaultMagic = 0x1122334455667788;

    private static BpfObject LoadAndRunBoth(Action<BpfObject>? configure = null)
    {
        var obj = ObjectTestSupport.OpenTestObject("multi_prog.bpf.o");
        try
        {
            configure?.Invoke(obj);
            obj.Load();
            Assert.Equal(0u, TestRun.Run(obj.GetProgram("prog_enter")));
            Assert.Equal(0u, TestRun.Run(obj.GetProgram("prog_exit")));
            return obj;
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    [Fact]
    public void SubprogramsGlobalDataAndMapsGiveLibbpfsResults()
    {
        using var obj = LoadAndRunBoth();

        Assert.Equal(DefaultMagic ^ 1, ObjectTestSupport.ReadU64(obj, "enter_result"));
        Assert.Equal(DefaultMagic ^ 4, ObjectTestSupport.ReadU64(obj, "exit_result"));
        Assert.Equal(42, ObjectTestSupport.ReadS32(obj, "global_sum"));
        Assert.Equal(2ul, ObjectTestSupport.ReadU64(obj, "calls_total"));
        Assert.Equal(-2, ObjectTestSupport.ReadS64(obj, "perf_output_ret")); // -ENOENT: no perf event in the slot
        Assert.Equal("hello from .rodata\0"u8.ToArray(), ObjectTestSupport.ReadGlobal(obj, "copied_greeting"));

        var pid = (uint)TestLibc.getpid();
        Assert.True(obj.GetMap("calls_by_tgid").TryLookup<uint, ulong>(pid, out var byTgid));
        Assert.Equal(2ul, byTgid);
        Assert.True(obj.GetMap("calls_by_prog").TryLookup<uint, ulong>(0, out var enterCalls));
        Assert.True(obj.GetMap("calls_by_prog").TryLookup<uint, ulong>(1, out var exitCalls));
        Assert.Equal((1ul, 1ul), (enterCalls, exitCalls));
        Assert.Equal(2ul, ObjectTestSupport.SumPerCpu(obj.GetMap("calls_per_cpu")));

        var lastCall = obj.GetMap("last_call_per_cpu");
        var timestamps = new byte[lastCall.ValueBufferSize];
        Assert.True(lastCall.TryLookup(BitConverter.GetBytes(0u), timestamps));
        Assert.True(lastCall.TryLookup(BitConverter.GetBytes(1u), timestamps));
        Assert.False(lastCall.TryLookup(BitConverter.GetBytes(2u), timestamps));
    }

    [Fact]
    public void KconfigExternsHoldTheRunningKernelsValues()
    {
        using var obj = LoadAndRunBoth();
        var config = ReadKernelConfig();

        Assert.Equal(KernelConfig.KernelVersionCode(), ObjectTestSupport.ReadU32(obj, "kernel_version"));
        var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim().Split('.', '-');
        Assert.Equal((uint.Parse(release[0]) << 16) | (uint.Parse(release[1]) << 8) | Math.Min(uint.Parse(release[2]), 255), KernelConfig.KernelVersionCode());
        Assert.Equal(uint.Parse(config["CONFIG_HZ"]), ObjectTestSupport.ReadU32(obj, "config_hz"));
        Assert.Equal(config["CONFIG_BPF_SYSCALL"] == "y" ? 1u : 0u, ObjectTestSupport.ReadU32(obj, "config_bpf_syscall"));
        Assert.False(config.ContainsKey("CONFIG_RAWBPF_NO_SUCH_OPTION"));
        Assert.Equal(0u, ObjectTestSupport.ReadU32(obj, "config_missing")); // __weak and absent: 0, as libbpf
    }

    [Fact]
    public void VariablesSetBeforeLoadReachThePrograms()
    {
        using var obj = LoadAndRunBoth(o =>
        {
            o.SetVariable<ulong>("multiplier", 10);            // .rodata
            o.SetVariable<ulong>("data_magic", 0xdeadbeef);    // .data
            o.SetVariable("data_label", "changed\0"u8);        // .data, an array
            Assert.Equal(10ul, BinaryPrimitives.ReadUInt64LittleEndian(o.GetVariable("multiplier")));
        });

        Assert.Equal(0xdeadbeeful ^ 1, ObjectTestSupport.ReadU64(obj, "enter_result"));
        Assert.Equal(0xdeadbeeful ^ 11, ObjectTestSupport.ReadU64(obj, "exit_result"));
        Assert.Equal("changed\0"u8.ToArray(), ObjectTestSupport.ReadGlobal(obj, "data_label"));
        Assert.Equal(10ul, ObjectTestSupport.ReadU64(obj, "multiplier"));
    }

    [Fact]
    public void MapsAreCreatedAsLibbpfWould()
    {
        using var obj = ObjectTestSupport.OpenTestObject("multi_prog.bpf.o");
        obj.Load();

        // Data sections get libbpf's internal names: up to 8 characters of the object name, then the section name
        // (7 characters kept for it, or more: ".kconfig" leaves room for only 7 of "multi_prog").
        Assert.Equal(
            ["calls_by_prog", "calls_by_tgid", "calls_per_cpu", "last_call_per_cpu", "multi_p.kconfig", "multi_pr.bss", "multi_pr.data", "multi_pr.rodata", "perf_events"],
            obj.Maps.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(BpfMapType.Hash, obj.GetMap("calls_by_tgid").Type);
        Assert.Equal(BpfMapType.Array, obj.GetMap("calls_by_prog").Type);
        Assert.Equal(BpfMapType.PercpuArray, obj.GetMap("calls_per_cpu").Type);
        Assert.Equal(BpfMapType.PercpuHash, obj.GetMap("last_call_per_cpu").Type);

        // max_entries 0 for a perf event array means one slot per possible CPU.
        Assert.Equal((uint)CpuSet.PossibleCount, obj.GetMap("perf_events").GetInfo().MaxEntries);

        // Maps with BTF-described keys and values are created with those ids (bpftool shows the types).
        var hashInfo = obj.GetMap("calls_by_tgid").GetInfo();
        Assert.NotEqual(0u, hashInfo.BtfId);
        Assert.NotEqual(0u, hashInfo.BtfValueTypeId);
        Assert.NotEqual(0u, obj.GetMap("multi_pr.bss").GetInfo().BtfValueTypeId);
        Assert.Equal(0u, obj.GetMap("perf_events").GetInfo().BtfValueTypeId);

        // .rodata and .kconfig are frozen: the programs may trust them, user space can no longer write.
        var zeroKey = new byte[4];
        foreach (var name in new[] { "multi_pr.rodata", "multi_p.kconfig" })
        {
            var map = obj.GetMap(name);
            Assert.NotEqual(BpfMapFlags.None, map.Flags & BpfMapFlags.ReadOnlyProgram);
            var value = new byte[map.ValueBufferSize];
            Assert.True(map.TryLookup(zeroKey, value));
            var error = Assert.Throws<BpfSyscallException>(() => map.Update(zeroKey, value));
            Assert.Equal(1, error.Errno); // EPERM: frozen
        }

        // .data is writable from user space after load, and the program sees the new value.
        var data = obj.GetMap("multi_pr.data");
        var bytes = new byte[data.ValueBufferSize];
        Assert.True(data.TryLookup(stackalloc byte[4], bytes));
        var (_, magic) = obj.File.FindVariable("data_magic")!.Value;
        magic.Write(bytes, BitConverter.GetBytes(7ul));
        data.Update(stackalloc byte[4], bytes);
        TestRun.Run(obj.GetProgram("prog_enter"));
        Assert.Equal(7ul ^ 1, ObjectTestSupport.ReadU64(obj, "enter_result"));
    }

    [Fact]
    public void RawTracepointProgramsAttachAndSeeOnlyTheTargetProcess()
    {
        using var obj = ObjectTestSupport.OpenTestObject("multi_prog.bpf.o");
        var pid = (uint)TestLibc.getpid();
        obj.SetVariable("target_tgid", pid);
        obj.Load();
        obj.Attach("prog_enter");
        obj.Attach("prog_exit");
        Assert.Equal(2, obj.Links.Count);
        for (var i = 0; i < 10; i++)
            TestLibc.getpid();

        Assert.True(obj.GetMap("calls_by_tgid").TryLookup<uint, ulong>(pid, out var calls));
        Assert.True(calls >= 20, $"{calls} calls for 10 getpid() enters and exits");
        Assert.False(obj.GetMap("calls_by_tgid").TryGetNextKey([], new byte[4]) && OtherKeyExists(obj.GetMap("calls_by_tgid"), pid));
        Assert.Equal(DefaultMagic ^ 1, ObjectTestSupport.ReadU64(obj, "enter_result"));
        Assert.Equal(DefaultMagic ^ 4, ObjectTestSupport.ReadU64(obj, "exit_result"));
    }

    private static bool OtherKeyExists(BpfMap map, uint expected)
    {
        var key = new byte[4];
        var next = new byte[4];
        var first = true;
        while (map.TryGetNextKey(first ? [] : key, next))
        {
            if (BitConverter.ToUInt32(next) != expected)
                return true;
            next.CopyTo(key, 0);
            first = false;
        }
        return false;
    }

    /// <summary>The running kernel's configuration, from /proc/config.gz or /boot/config-$(uname -r).</summary>
    private static Dictionary<string, string> ReadKernelConfig()
    {
        var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        using var reader = File.Exists("/proc/config.gz")
            ? new StreamReader(new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress), Encoding.UTF8)
            : new StreamReader($"/boot/config-{release}");
        var values = new Dictionary<string, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith("CONFIG_", StringComparison.Ordinal) && line.IndexOf('=') is > 0 and var equals)
                values[line[..equals]] = line[(equals + 1)..];
        }
        return values;
    }

    [Fact]
    public void GetVariableAfterLoadReadsTheKernelsCurrentValue()
    {
        using var obj = LoadAndRunBoth(o => Assert.Equal(0ul, BinaryPrimitives.ReadUInt64LittleEndian(o.GetVariable("calls_total"))));
        // Was: the bytes given to Load, so a counter the program had bumped still read 0.
        Assert.Equal(2ul, BinaryPrimitives.ReadUInt64LittleEndian(obj.GetVariable("calls_total")));
        Assert.Equal(42, BinaryPrimitives.ReadInt32LittleEndian(obj.GetVariable("global_sum")));
        obj.Dispose();
        Assert.Equal(0ul, BinaryPrimitives.ReadUInt64LittleEndian(obj.GetVariable("calls_total"))); // closed: the local copy again
    }
}
