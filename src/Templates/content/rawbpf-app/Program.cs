// Prints one line per exec on this machine (process id and name) until Ctrl-C, or until COUNT lines when run
// as `RawBpfApp COUNT`. Needs root, or CAP_BPF and CAP_PERFMON.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Loader.Readers;
using RawBpfApp;

var limit = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : int.MaxValue;
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// AppSkeleton is generated at build time from app.bpf.o's BTF: its maps, programs, variables and C types.
using var app = AppSkeleton.Open();   // the embedded object, parsed: no kernel yet
app.Load();                           // maps, BTF and the program, verified by the kernel
app.Attach();                         // handle_exec, as its section says: tracepoint sched/sched_process_exec
using var ring = new RingBuffer(app.Maps.Events);

var printed = 0;
try
{
    while (printed < limit && ring.WaitForData(-1, stop.Token))
    {
        while (printed < limit && ring.TryRead(out var record))
        {
            // The record in place, as the C struct: no copy, no offsets written by hand.
            ref readonly var exec = ref MemoryMarshal.AsRef<AppSkeleton.ExecEvent>(record);
            ReadOnlySpan<byte> comm = exec.Comm;
            var length = comm.IndexOf((byte)0);
            Console.WriteLine($"{exec.Pid,-8} {Encoding.UTF8.GetString(length < 0 ? comm : comm[..length])}");
            printed++;
        }
        ring.Commit();
    }
}
catch (OperationCanceledException)
{
    // Ctrl-C
}
