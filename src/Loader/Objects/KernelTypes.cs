using System.Collections;
using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Host;

namespace RawBpf.Loader.Objects;

/// <summary>
/// The kernel's types that CO-RE and BTF attach resolve against, and their one owner: vmlinux (parsed when first
/// needed, or ahead of time by <see cref="Preload"/> on another thread) and, from the running kernel, each module's
/// split BTF, parsed only when CO-RE first looks past vmlinux (libbpf loads module BTF lazily for the same reason:
/// most objects never need it). Disposing releases every mapping; CO-RE results are plain values and outlive it.
/// </summary>
public sealed class KernelTypes : IDisposable
{
    private readonly Func<Btf> _parseVmlinux;
    private readonly string[] _modulePaths;
    private readonly Lock _gate = new();
    private Btf? _vmlinux;
    private Btf?[] _modules;
    private bool _disposed;

    private KernelTypes(Func<Btf> parseVmlinux, string[] modulePaths)
    {
        _parseVmlinux = parseVmlinux;
        _modulePaths = modulePaths;
        _modules = new Btf?[modulePaths.Length];
    }

    /// <summary>The running kernel's: <c>/sys/kernel/btf/vmlinux</c> and the modules' BTF beside it.</summary>
    public static KernelTypes FromSystem()
    {
        var modules = Directory.Exists(BtfFileReader.KernelBtfDirectory)
            ? Directory.GetFiles(BtfFileReader.KernelBtfDirectory).Where(p => Path.GetFileName(p) != "vmlinux").Order(StringComparer.Ordinal).ToArray()
            : [];
        return new KernelTypes(static () =>
        {
            if (!File.Exists(BtfFileReader.VmlinuxPath))
                throw new BpfObjectLoadException($"this kernel publishes no BTF ({BtfFileReader.VmlinuxPath} is missing); give its types with a BTF file (--btf FILE)");
            return Read(BtfFileReader.VmlinuxPath, "kernel BTF");
        }, modules);
    }

    /// <summary>A BTF file for a kernel that publishes none: raw BTF or an ELF file with a <c>.BTF</c> section (as BTFHub ships). No modules.</summary>
    public static KernelTypes FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new KernelTypes(() => Read(path, "kernel BTF file"), []);
    }

    /// <summary>Kernel BTF already in memory (raw BTF), named <paramref name="name"/> in errors. No modules.</summary>
    public static KernelTypes FromBytes(ReadOnlyMemory<byte> btf, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new KernelTypes(() => Parse(() => BtfFile.Parse(btf, name), name, "kernel BTF"), []);
    }

    /// <summary>vmlinux's types, parsed on first use (waiting for a parse another thread has started).</summary>
    /// <exception cref="BpfObjectLoadException">The BTF is missing or malformed; a later call tries again.</exception>
    public Btf Vmlinux
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _vmlinux ??= _parseVmlinux();
            }
        }
    }

    /// <summary>
    /// Parses vmlinux now, typically on a thread started with the process so that the parse overlaps other
    /// start-up work; a failure is left for the first real use to report.
    /// </summary>
    public void Preload()
    {
        try
        {
            _ = Vmlinux;
        }
        catch (Exception)
        {
            // Not cached: the first real use parses again and reports what it finds, on its own thread.
        }
    }

    /// <summary>vmlinux, then each module's BTF, parsed when first indexed: what CO-RE searches, in libbpf's order.</summary>
    internal IReadOnlyList<Btf> Candidates => new CandidateList(this);

    /// <summary>The module whose BTF is <see cref="Candidates"/>[<paramref name="candidateIndex"/>] (1 and up; 0 is vmlinux).</summary>
    internal string ModuleName(int candidateIndex) => Path.GetFileName(_modulePaths[candidateIndex - 1]);

    /// <summary>Releases vmlinux and every module's BTF that was parsed (waits for a parse in progress).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var module in _modules)
                module?.Dispose();
            _modules = [];
            _vmlinux?.Dispose();
            _vmlinux = null;
        }
    }

    private Btf Module(int index)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _modules[index] ??= BtfFileReader.Load(_modulePaths[index], Vmlinux);
        }
    }

    private static Btf Read(string path, string what) => Parse(() => BtfFileReader.Load(path), path, what);

    private static Btf Parse(Func<Btf> parse, string name, string what)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is BtfFormatException or ElfFormatException or InputFileException)
        {
            throw new BpfObjectLoadException($"cannot use {what} {name}: {e.Message}", e);
        }
    }

    private sealed class CandidateList(KernelTypes types) : IReadOnlyList<Btf>
    {
        private Btf? _vmlinux;

        public int Count => 1 + types._modulePaths.Length;

        // vmlinux is indexed for every relocation: taken from the owner once, without its lock each time.
        public Btf this[int index] => index == 0 ? _vmlinux ??= types.Vmlinux : types.Module(index - 1);

        public IEnumerator<Btf> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
                yield return this[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
