// Loads its BPF object from the RawBpf packages, attaches it, starts /bin/true five times and reads the five
// exec records of those processes from the ring buffer. Exit 0 when all five came, 1 otherwise.
using System.Buffers.Binary;
using System.Diagnostics;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;

const int Expected = 5;

using var resource = typeof(Program).Assembly.GetManifestResourceStream("consumer.bpf.o")!;
using var elf = new MemoryStream();
resource.CopyTo(elf);

using var bpf = BpfObject.Open(elf.ToArray(), "consumer.bpf.o");
bpf.Load();
bpf.Attach("count_exec");
using var ring = new RingBuffer(bpf.GetMap("execs"));

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
        var pid = (int)BinaryPrimitives.ReadUInt32LittleEndian(record);
        if (started.Contains(pid) && seen.Add(pid))
            Console.WriteLine($"exec pid={pid}");
    }
    ring.Commit();
}

Console.WriteLine($"{seen.Count} of {Expected} events");
return seen.Count == Expected ? 0 : 1;
