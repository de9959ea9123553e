// Prints one line per exec on this machine (process id and name) until Ctrl-C, or until COUNT lines when run
// as `RawBpfApp COUNT`. Needs root, or CAP_BPF and CAP_PERFMON.
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;

var limit = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : int.MaxValue;
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

using var bpf = BpfObject.Open(ReadEmbeddedObject("app.bpf.o"), "app.bpf.o"); // parse only: no kernel yet
bpf.Load();                   // maps, BTF and the program, verified by the kernel
bpf.Attach("handle_exec");    // as its section says: tracepoint sched/sched_process_exec
using var ring = new RingBuffer(bpf.GetMap("events"));

var printed = 0;
try
{
    while (printed < limit && ring.WaitForData(-1, stop.Token))
    {
        // Each record is a span over the ring's mapping: struct exec_event { __u32 pid; char comm[16]; }.
        while (printed < limit && ring.TryRead(out var record))
        {
            var pid = BinaryPrimitives.ReadUInt32LittleEndian(record);
            var comm = record.Slice(4, 16);
            var length = comm.IndexOf((byte)0);
            Console.WriteLine($"{pid,-8} {Encoding.UTF8.GetString(length < 0 ? comm : comm[..length])}");
            printed++;
        }
        ring.Commit();
    }
}
catch (OperationCanceledException)
{
    // Ctrl-C
}

static byte[] ReadEmbeddedObject(string name)
{
    using var resource = typeof(Program).Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"{name} is not embedded");
    using var copy = new MemoryStream();
    resource.CopyTo(copy);
    return copy.ToArray();
}
