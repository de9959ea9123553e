using RawBpf.BtfCore;

namespace RawBpf.Loader.Objects;

/// <summary>
/// vmlinux first, then each module's split BTF from /sys/kernel/btf, parsed only when CO-RE first looks past
/// vmlinux (libbpf loads module BTF lazily for the same reason: most objects never need it).
/// </summary>
internal sealed class KernelModuleBtfList : IReadOnlyList<Btf>
{
    private readonly Btf _vmlinux;
    private readonly string[] _modulePaths;
    private readonly Btf?[] _modules;

    public KernelModuleBtfList(Btf vmlinux)
    {
        _vmlinux = vmlinux;
        _modulePaths = Directory.Exists(BtfFile.KernelBtfDirectory)
            ? Directory.GetFiles(BtfFile.KernelBtfDirectory).Where(p => Path.GetFileName(p) != "vmlinux").Order(StringComparer.Ordinal).ToArray()
            : [];
        _modules = new Btf?[_modulePaths.Length];
    }

    public int Count => 1 + _modulePaths.Length;

    public Btf this[int index] => index == 0 ? _vmlinux : _modules[index - 1] ??= BtfFile.Load(_modulePaths[index - 1], _vmlinux);

    public IEnumerator<Btf> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
            yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
