using System.Text.RegularExpressions;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Programs;

using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// BTF-attached kinds: iterators (read as a stream) and trampolines (fentry, fexit, lsm), which the host 6.18
/// refuses at load with EPERM — there the test asserts that clean error; the kernel matrix guests attach them.
/// </summary>
public class IteratorAndTracingAttachTests
{
    [Fact]
    public void TaskIteratorListsThisProcessOnEachPass()
    {
        using var obj = ObjectTestSupport.OpenTestObject("iter_tasks.bpf.o");
        obj.Load();
        var link = Assert.IsType<IteratorLink>(obj.Attach("list_tasks"));
        var text = link.ReadAll();
        Assert.Matches(new Regex($"^{Environment.ProcessId} ", RegexOptions.Multiline), text);
        var tasks = ObjectTestSupport.ReadU64(obj, "tasks_seen");
        Assert.Equal((ulong)text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, tasks);

        // Each Open() is a new walk.
        using var stream = link.Open();
        Assert.False(stream.CanSeek);
        using var reader = new StreamReader(stream);
        Assert.Contains($"{Environment.ProcessId} ", reader.ReadToEnd(), StringComparison.Ordinal);
        Assert.True(ObjectTestSupport.ReadU64(obj, "tasks_seen") > tasks);
        Assert.Equal((uint)BpfLinkType.Iter, link.GetInfo()!.Type);
    }

    [Fact]
    public void TrampolineProgramsCountOpensOrFailWithTheKernelsEperm()
    {
        using var obj = ObjectTestSupport.OpenTestObject("fentry_counts.bpf.o");
        try
        {
            obj.Load();
        }
        catch (BpfObjectLoadException e) when (e.InnerException is BpfProgramLoadException { Errno: Errno.EPERM })
        {
            // The host: fentry/fexit/lsm need trampolines its kernel refuses (libbpf fails the same way).
            Assert.Contains("EPERM", e.Message, StringComparison.Ordinal);
            return;
        }
        catch (BpfProgramLoadException e) when (e.Errno == Errno.EPERM)
        {
            Assert.Contains("EPERM", e.Message, StringComparison.Ordinal);
            return;
        }

        Assert.IsType<TracingLink>(obj.Attach("count_fentry"));
        Assert.IsType<TracingLink>(obj.Attach("count_fexit"));
        Assert.IsType<TracingLink>(obj.Attach("count_lsm"));
        File.ReadAllBytes("/proc/self/stat");
        Assert.True(ObjectTestSupport.ReadU64(obj, "fentry_hits") >= 1);
        Assert.True(ObjectTestSupport.ReadU64(obj, "fexit_hits") >= 1);
        Assert.True(ObjectTestSupport.ReadU64(obj, "lsm_hits") >= 1);
    }
}
