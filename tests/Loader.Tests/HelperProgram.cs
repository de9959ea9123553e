using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;

namespace RawBpf.Loader.Tests;

/// <summary>
/// The test assembly's entry point, unused by the test host: <c>dotnet exec RawBpf.Loader.Tests.dll
/// load-exitsnoop OBJECT</c> loads and attaches exitsnoop through BpfObject, opens its ring buffer, disposes it
/// all and exits 0. A quiet process of its own, for the strace test to watch.
/// </summary>
public static class HelperProgram
{
    public static int Main(string[] args)
    {
        if (args is not ["load-exitsnoop", var path])
        {
            Console.Error.WriteLine("usage: load-exitsnoop OBJECT");
            return 2;
        }
        using (var obj = BpfObject.Open(path))
        {
            obj.SetVariable("target_pid", (uint)Environment.ProcessId);
            obj.SetAutoload("handle_exit_raw", false); // the tracepoint entry alone, as rawexitsnoop loads it as root
            obj.Load();
            obj.Attach("handle_exit");
            using var ring = new RingBuffer(obj.GetMap("events"));
            Console.WriteLine($"attached {obj.Programs.Count} program(s), {obj.Maps.Count} maps, ring of {ring.DataSize} bytes");
        }
        return 0;
    }
}
