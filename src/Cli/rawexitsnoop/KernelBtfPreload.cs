using RawBpf.BtfCore;
using RawBpf.Loader;

namespace RawBpf.Cli;

/// <summary>
/// Parses the kernel's BTF on a second thread while the main one parses the command line, opens
/// the object and probes the kernel: the largest piece of the start-up (a few ms of CPU for a 5.5 MB vmlinux,
/// measured in docs/benchmarks.md) then overlaps with the rest instead of preceding the load.
/// </summary>
internal sealed class KernelBtfPreload
{
    private readonly Thread _thread;
    private Btf? _btf;

    private KernelBtfPreload(string path)
    {
        _thread = new Thread(() => Preload(path)) { IsBackground = true, Name = "BTF preload" };
        _thread.Start();
    }

    /// <summary>Starts parsing vmlinux, unless the command line names its own BTF file (rare: loaded the usual way).</summary>
    public static KernelBtfPreload? StartUnlessOverridden(string[] args) =>
        args.Any(a => a.StartsWith("--btf", StringComparison.Ordinal)) ? null : new KernelBtfPreload(BtfFile.VmlinuxPath);

    /// <summary>
    /// The parsed vmlinux (the caller disposes it), or null when parsing failed: the loader then repeats the load
    /// itself and reports the problem exactly as it always does.
    /// </summary>
    public Btf? Take()
    {
        _thread.Join();
        var btf = _btf;
        _btf = null;
        return btf;
    }

    private void Preload(string path)
    {
        try
        {
            // No name index: CO-RE finds its candidates in one pass over the types, cheaper than building one.
            _btf = BtfFile.Load(path);
        }
        catch (Exception e) when (e is BtfFormatException or IOException or UnauthorizedAccessException)
        {
            _btf = null;
        }
    }
}
