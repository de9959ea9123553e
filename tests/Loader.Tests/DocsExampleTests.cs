using System.Buffers.Binary;
using System.Diagnostics;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;
using RawBpf.Tests.Shared;

namespace RawBpf.Loader.Tests;

/// <summary>The example in docs/loader.md, verbatim apart from the test around it.</summary>
public class DocsExampleTests
{
    [Fact]
    public async Task TheExampleInLoaderMdWorks()
    {
        using var child = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "read line; exit 3"]) { RedirectStandardInput = true })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var watcher = Task.Run(() => WatchExits(Path.Combine(RepoPaths.BpfObjects, "exitsnoop.bpf.o"), (uint)child.Id, timeout.Token));
        // Let the child go only once the ring is mapped, which the example does after attaching.
        while (!watcher.IsCompleted && !File.ReadAllText("/proc/self/maps").Contains("anon_inode:bpf-map", StringComparison.Ordinal))
            await Task.Delay(10);
        child.StandardInput.Close();
        child.WaitForExit();

        var count = await watcher;
        Assert.Equal(1, count.Records);
        Assert.Equal((uint)child.Id, count.LastPid);
        Assert.Equal(3, count.LastExitStatus);
    }

    // ---- docs/loader.md ----

    static ExitCount WatchExits(string objectPath, uint pid, CancellationToken cancel)
    {
        using var exitsnoop = BpfObject.Open(objectPath);      // artifacts/bpf/exitsnoop.bpf.o
        exitsnoop.SetVariable("target_pid", pid);                // const volatile u32 in .rodata
        exitsnoop.SetMaxEntries("events", 1024 * 1024);          // ring buffer bytes (2^n pages)
        exitsnoop.Load();
        exitsnoop.Attach("handle_exit");                         // SEC("tp/sched/sched_process_exit")
        using var ring = new RingBuffer(exitsnoop.GetMap("events"));

        // A struct state and a static lambda: the delegate is cached, so reading allocates nothing per record.
        var count = new ExitCount();
        while (!cancel.IsCancellationRequested && count.Records == 0)
        {
            ring.Poll(ref count, static (ref ExitCount c, ReadOnlySpan<byte> record) =>
            {
                // struct exitsnoop_event (bpf/include/exitsnoop.h): pid at 32, exit_code (wait status) at 48.
                c.Records++;
                c.LastPid = BinaryPrimitives.ReadUInt32LittleEndian(record[32..]);
                c.LastExitStatus = (BinaryPrimitives.ReadInt32LittleEndian(record[48..]) >> 8) & 0xff;
            }, timeoutMilliseconds: 100, cancel);
        }
        return count;
    }

    struct ExitCount
    {
        public long Records;
        public uint LastPid;
        public int LastExitStatus;
    }
}
