// Loads its BPF object through the skeleton RawBpf.Generator made from it (packages only), attaches it, starts
// /bin/true five times and reads the five exec records of those processes from the ring buffer. Exit 0 when all
// five came, 1 otherwise.
using System.Diagnostics;
using System.Runtime.InteropServices;
using RawBpf.Loader.Readers;
using RawBpf.PackageConsumer;

const int Expected = 5;

using var consumer = ConsumerSkeleton.Open();
consumer.Load();
consumer.Attach();
using var ring = new RingBuffer(consumer.Maps.Execs);

var started = new HashSet<int>();
for (var i = 0; i < Expected; i++)
{
    using var child = Process.Start("/bin/true");
    started.Add(child.Id);
    child.WaitForExit();
}

var seen = new HashSet<int>();
var deadline = Stopwatch.StartNew();
while (seen.Count < Expected && deadline.Elapsed < TimeSpan.FromSeconds(10))
{
    ring.WaitForData(100);
    while (ring.TryRead(out var record))
    {
        var pid = (int)MemoryMarshal.AsRef<ConsumerSkeleton.ExecRecord>(record).Pid;
        if (started.Contains(pid) && seen.Add(pid))
            Console.WriteLine($"exec pid={pid}");
    }
    ring.Commit();
}

Console.WriteLine($"{seen.Count} of {Expected} events");
return seen.Count == Expected ? 0 : 1;
