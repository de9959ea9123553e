using System.Diagnostics;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;
using RawBpf.Tests.Shared;

namespace RawBpf.Loader.Tests;

public class ObjectSmokeTests
{
    [Fact]
    public void ExitsnoopLoadsAttachesAndReportsAChildExit()
    {
        using var obj = BpfObject.Open(Path.Combine(RepoPaths.BpfObjects, "exitsnoop.bpf.o"));
        obj.Load();
        obj.Attach("handle_exit");
        using var ring = new RingBuffer(obj.GetMap("events"));
        using var child = Process.Start("/bin/sh", ["-c", "exit 7"]);
        child.WaitForExit();
        var found = false;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!found && DateTime.UtcNow < deadline)
        {
            ring.WaitForData(100);
            while (ring.TryRead(out var record))
            {
                var pid = BitConverter.ToUInt32(record[32..36]);
                var status = BitConverter.ToInt32(record[48..52]);
                if (pid == child.Id)
                {
                    Assert.Equal(7, (status >> 8) & 0xff);
                    found = true;
                }
            }
            ring.Commit();
        }
        Assert.True(found);
    }
}
