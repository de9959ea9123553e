using RawBpf.Loader.Host;
using RawBpf.Loader.Links;
using RawBpf.Loader.Objects;
using RawBpf.Tests.Shared;

using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>uprobe, uretprobe and uprobe.multi on a real binary (the host has the uprobe PMU), each seeing real calls.</summary>
public class UprobeAttachTests
{
    private const int Calls = 25;

    [Fact]
    public void SectionUprobeAndUretprobeCountEveryCallOfTheTargetProcessThenLeaveNothing()
    {
        var go = Path.Combine(Path.GetTempPath(), $"rawbpf-att-trace-go-{Guid.NewGuid():N}");
        using var target = AttachTestSupport.StartUprobeTarget(Calls, go);
        uint[] linkIds, programIds;
        using (var obj = ObjectTestSupport.OpenTestObject("uprobe_counts.bpf.o"))
        {
            obj.SetVariable("target_tgid", (uint)target.Id);
            obj.Load();
            var entry = obj.Attach("count_uprobe");
            var exit = obj.Attach("count_uretprobe");
            Assert.IsType<UprobeLink>(entry);
            Assert.Equal(AttachTestSupport.UprobeTargetPath, ((UprobeLink)entry).BinaryPath);
            Assert.Equal(UprobeTargets.FindFunctionOffset(AttachTestSupport.UprobeTargetPath, "rawbpf_uprobe_target"), ((UprobeLink)entry).FileOffset);
            Assert.Equal(KernelFeatures.HasPerfEventLink ? BpfAttachMethod.PerfEventLink : BpfAttachMethod.PerfEventIoctl, exit.Method);
            AttachTestSupport.Release(target, go);

            Assert.Equal((ulong)Calls, ObjectTestSupport.ReadU64(obj, "uprobe_hits"));
            Assert.Equal((ulong)Calls, ObjectTestSupport.ReadU64(obj, "uretprobe_hits"));
            Assert.Equal((ulong)(Calls * (Calls + 1) / 2), ObjectTestSupport.ReadU64(obj, "uretprobe_sum"));
            linkIds = [.. obj.Links.Select(l => l.GetInfo()!.Id)];
            programIds = [.. obj.Programs.Values.Select(p => p.GetInfo().Id)];
            Assert.Subset(AttachTestSupport.Ids("link"), linkIds.ToHashSet());
        }

        AttachTestSupport.AssertGone(linkIds, programIds);
    }

    [Fact]
    public void TypedUprobeWithPidAndCookieSeesOnlyThatProcess()
    {
        var go = Path.Combine(Path.GetTempPath(), $"rawbpf-att-trace-go-{Guid.NewGuid():N}");
        using var other = AttachTestSupport.StartUprobeTarget(Calls, go + ".other");
        using var target = AttachTestSupport.StartUprobeTarget(Calls, go);
        using var obj = ObjectTestSupport.OpenTestObject("uprobe_counts.bpf.o");
        obj.Load();
        using var link = obj.GetProgram("manual_uprobe").AttachUprobe(AttachTestSupport.UprobeTarget, "rawbpf_uprobe_target", pid: target.Id, cookie: 0xc00c1e);
        Assert.Contains("rawbpf_uprobe_target", link.Target, StringComparison.Ordinal);
        AttachTestSupport.Release(other, go + ".other");
        AttachTestSupport.Release(target, go);

        Assert.Equal((ulong)Calls, ObjectTestSupport.ReadU64(obj, "manual_hits"));
        Assert.Equal(0xc00c1eUL, ObjectTestSupport.ReadU64(obj, "manual_cookie"));
    }

    [Fact]
    public void UprobeOnALibraryFoundByNameSeesThisProcessCallingIt()
    {
        using var obj = ObjectTestSupport.OpenTestObject("uprobe_counts.bpf.o");
        obj.SetVariable("target_tgid", (uint)Environment.ProcessId);
        obj.Load();
        // libbpf's search: a bare library name is looked up in the library directories (here the multiarch one).
        using var link = obj.GetProgram("manual_uprobe").AttachUprobe("libc.so.6", "getpid");
        Assert.StartsWith("/", ((UprobeLink)link).BinaryPath, StringComparison.Ordinal);
        for (var i = 0; i < 10; i++)
            TestLibc.getpid();
        Assert.True(ObjectTestSupport.ReadU64(obj, "manual_hits") >= 10, "10 getpid() calls through libc");
    }

    [Fact]
    public void RawFileOffsetAttachesWhereTheSymbolIs()
    {
        var go = Path.Combine(Path.GetTempPath(), $"rawbpf-att-trace-go-{Guid.NewGuid():N}");
        using var target = AttachTestSupport.StartUprobeTarget(Calls, go);
        using var obj = ObjectTestSupport.OpenTestObject("uprobe_counts.bpf.o");
        obj.SetVariable("target_tgid", (uint)target.Id);
        obj.Load();
        var offset = UprobeTargets.FindFunctionOffset(AttachTestSupport.UprobeTarget, "rawbpf_uprobe_target_second");
        using var link = obj.GetProgram("manual_uprobe").AttachUprobe(AttachTestSupport.UprobeTarget, null, offset);
        AttachTestSupport.Release(target, go);
        Assert.Equal(1UL, ObjectTestSupport.ReadU64(obj, "manual_hits"));
    }

    [Fact]
    public void ErrorsNameTheMissingSymbolOrBinary()
    {
        using var obj = ObjectTestSupport.OpenTestObject("uprobe_counts.bpf.o");
        obj.Load();
        var program = obj.GetProgram("manual_uprobe");
        var noSymbol = Assert.Throws<BpfAttachException>(() => program.AttachUprobe(AttachTestSupport.UprobeTarget, "rawbpf_no_such_function"));
        Assert.Contains("defines no function \"rawbpf_no_such_function\"", noSymbol.Message, StringComparison.Ordinal);
        Assert.Contains(AttachTestSupport.UprobeTargetPath, noSymbol.Message, StringComparison.Ordinal);

        var noBinary = Assert.Throws<BpfAttachException>(() => program.AttachUprobe("/nonexistent/rawbpf-binary", "main"));
        Assert.Contains("\"/nonexistent/rawbpf-binary\" does not exist", noBinary.Message, StringComparison.Ordinal);

        var noLibrary = Assert.Throws<BpfAttachException>(() => program.AttachUprobe("librawbpf-none.so.1", "main"));
        Assert.Contains("was not found in the library directories", noLibrary.Message, StringComparison.Ordinal);

        var notElf = Assert.Throws<BpfAttachException>(() => program.AttachUprobe("/etc/hostname", "main"));
        Assert.Contains("not an ELF file", notElf.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UprobeMultiCountsEveryMatchingFunctionOrNamesTheKernelItNeeds()
    {
        var go = Path.Combine(Path.GetTempPath(), $"rawbpf-att-trace-go-{Guid.NewGuid():N}");
        using var target = AttachTestSupport.StartUprobeTarget(Calls, go);
        using var obj = ObjectTestSupport.OpenTestObject("uprobe_multi_counts.bpf.o");
        obj.SetVariable("target_tgid", (uint)target.Id);
        obj.Load();
        if (!KernelFeatures.HasUprobeMultiLink)
        {
            var error = Assert.Throws<BpfLinkNotSupportedException>(() => obj.Attach("count_uprobe_multi"));
            Assert.Equal("6.6", error.RequiredKernel);
            AttachTestSupport.Release(target, go);
            return;
        }

        var link = Assert.IsType<UprobeMultiLink>(obj.Attach("count_uprobe_multi"));
        Assert.Equal(["rawbpf_uprobe_target", "rawbpf_uprobe_target_second"], link.Functions.Select(f => f.Name).Order());
        Assert.Equal((uint)BpfLinkType.UprobeMulti, link.GetInfo()!.Type);
        AttachTestSupport.Release(target, go);
        Assert.Equal((ulong)Calls + 1, ObjectTestSupport.ReadU64(obj, "multi_hits"));
    }
}
