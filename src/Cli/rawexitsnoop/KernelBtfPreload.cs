using RawBpf.Loader.Objects;

namespace RawBpf.Cli;

/// <summary>
/// Parses the kernel's BTF on a second thread: the largest piece of the start-up (a few ms of CPU for a 5.5 MB
/// vmlinux, measured in docs/benchmarks.md) then overlaps the ELF parse and the loader's kernel work up to CO-RE
/// (BTF load, probes, maps), which waits for it only then (<see cref="KernelTypes.Vmlinux"/>).
/// The thread starts once the command line is parsed, never earlier: by then the main thread has run the
/// runtime's first class constructors (AppContext, the string comparers, Lock's statics), which call each other
/// in a cycle. A thread started before that raced them and could deadlock the two (main holding the comparer's
/// constructor and waiting for AppContext's, this thread the other way round), with Lock not yet initialised
/// far enough for Native AOT to detect it. Once Lock is, the runtime resolves any later class constructor cycle.
/// </summary>
internal static class KernelBtfPreload
{
    /// <summary>
    /// The kernel types to load against: the running kernel's, with vmlinux already being parsed on a second
    /// thread, or the BTF file the command line names (rare: parsed when needed, the usual way). The caller owns
    /// the result; disposing it waits for a parse still in progress.
    /// </summary>
    public static KernelTypes Start(string? btfPath)
    {
        if (btfPath is not null)
            return KernelTypes.FromFile(btfPath);
        var types = KernelTypes.FromSystem();
        // Off the main thread's CPU, or the two share it until the next load balance and run one after the other.
        var mainCpu = ThreadPlacement.CurrentCpu;
        new Thread(() =>
        {
            ThreadPlacement.AvoidCpu(mainCpu);
            // No name index: CO-RE finds its candidates in one pass over the types, cheaper than building one.
            types.Preload();
        })
        { IsBackground = true, Name = "BTF preload" }.Start();
        return types;
    }
}
