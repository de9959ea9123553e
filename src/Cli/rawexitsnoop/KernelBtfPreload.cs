using RawBpf.BtfCore;
using RawBpf.Loader.Host;
using RawBpf.Loader.Objects;

namespace RawBpf.Cli;

/// <summary>
/// Parses the kernel's BTF on a second thread: the largest piece of the start-up (a few ms of CPU for a 5.5 MB
/// vmlinux, measured in docs/benchmarks.md) then overlaps the ELF parse and the loader's kernel work up to CO-RE
/// (BTF load, probes, maps), which waits for it only then.
/// The thread starts once the command line is parsed, never earlier: by then the main thread has run the
/// runtime's first class constructors (AppContext, the string comparers, Lock's statics), which call each other
/// in a cycle. A thread started before that raced them and could deadlock the two (main holding the comparer's
/// constructor and waiting for AppContext's, this thread the other way round), with Lock not yet initialised
/// far enough for Native AOT to detect it. Once Lock is, the runtime resolves any later class constructor cycle.
/// </summary>
internal sealed class KernelBtfPreload
{
    private readonly Thread _thread;
    private Btf? _btf;

    private KernelBtfPreload(string path)
    {
        // Off the main thread's CPU, or the two share it until the next load balance and run one after the other.
        var mainCpu = ThreadPlacement.CurrentCpu;
        _thread = new Thread(() =>
        {
            ThreadPlacement.AvoidCpu(mainCpu);
            Preload(path);
        })
        { IsBackground = true, Name = "BTF preload" };
        _thread.Start();
    }

    /// <summary>Starts parsing vmlinux, unless the command line names its own BTF file (rare: loaded the usual way).</summary>
    public static KernelBtfPreload? StartUnlessOverridden(string? btfPath) =>
        btfPath is null ? new KernelBtfPreload(BtfFile.VmlinuxPath) : null;

    /// <summary>
    /// For <see cref="BpfObjectLoadOptions.Vmlinux"/>: waits for the parse. Null when it failed: the loader then
    /// repeats it itself and reports the problem exactly as it always does. This preload keeps ownership.
    /// </summary>
    public Btf? Take()
    {
        _thread.Join();
        return _btf;
    }

    /// <summary>Releases the mapping once the parse has finished (a process that ends earlier needs no release).</summary>
    public void DisposeParsed()
    {
        if (!_thread.IsAlive)
            _btf?.Dispose();
    }

    private void Preload(string path)
    {
        try
        {
            // No name index: CO-RE finds its candidates in one pass over the types, cheaper than building one.
            _btf = BtfFile.Load(path);
        }
        catch (Exception)
        {
            // Whatever failed, the loader repeats the parse on the main thread and reports it there.
            _btf = null;
        }
    }
}
