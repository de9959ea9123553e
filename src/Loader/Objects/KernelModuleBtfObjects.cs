using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Objects;

/// <summary>
/// The kernel's BTF objects of modules, opened by module name when an object uses a module's types: a kfunc call
/// names its module by an index into the program's fd_array, a typed ksym variable's ldimm64 carries the BTF fd in
/// its second imm, and a program attached to a module function gives it as attach_btf_obj_fd (libbpf's
/// load_module_btfs, which also keeps the fds until the object is closed).
/// </summary>
internal sealed class KernelModuleBtfObjects(string objectName) : IDisposable
{
    private readonly Dictionary<string, BpfFileDescriptor> _opened = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _fdArrayIndex = new(StringComparer.Ordinal);

    // Slot 0 stays empty: a kfunc call's offset 0 means vmlinux (libbpf starts fd_array_cnt at 1 too).
    private readonly List<BpfFileDescriptor?> _fdArray = [null];
    private Dictionary<string, uint>? _idsByName;

    /// <summary>fd_array for BPF_PROG_LOAD: empty while no kfunc of a module is called.</summary>
    public IReadOnlyList<BpfFileDescriptor?> FdArray => _fdArray.Count > 1 ? _fdArray : [];

    /// <summary>The BTF object of module <paramref name="moduleName"/>, opened on first use and kept open.</summary>
    /// <exception cref="BpfObjectLoadException">No kernel BTF object has that name (the module was unloaded meanwhile).</exception>
    public BpfFileDescriptor Open(string moduleName)
    {
        if (_opened.TryGetValue(moduleName, out var fd))
            return fd;
        try
        {
            _idsByName ??= KernelBtfIds();
            fd = _idsByName.TryGetValue(moduleName, out var id) ? BpfObjectIds.TryOpenBtf(id) : null;
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.EPERM)
        {
            // CAP_BPF is not enough here: the kernel lets only CAP_SYS_ADMIN walk BTF ids (libbpf fails the same way).
            throw new BpfObjectLoadException($"object '{objectName}': module '{moduleName}': finding its BTF object needs CAP_SYS_ADMIN ({e.Message})", e);
        }
        if (fd is null)
            throw new BpfObjectLoadException($"object '{objectName}': module '{moduleName}' has BTF in {BtfFileReader.KernelBtfDirectory} but no kernel BTF object (was it unloaded?)");
        _opened[moduleName] = fd;
        return fd;
    }

    /// <summary>The fd_array index a kfunc call into <paramref name="moduleName"/> names, its slot added on first use.</summary>
    public int FdArrayIndex(string moduleName)
    {
        if (_fdArrayIndex.TryGetValue(moduleName, out var index))
            return index;
        var fd = Open(moduleName);
        index = _fdArray.Count;
        // insn->off is a signed 16-bit index (libbpf refuses past INT16_MAX as well).
        if (index > short.MaxValue)
            throw new BpfObjectLoadException($"object '{objectName}': kfuncs of more than {short.MaxValue} modules");
        _fdArray.Add(fd);
        _fdArrayIndex[moduleName] = index;
        return index;
    }

    public void Dispose()
    {
        foreach (var fd in _opened.Values)
            fd.Dispose();
        _opened.Clear();
    }

    /// <summary>
    /// One walk over the BTF ids: each kernel BTF object's name and id. Ids are never reused, so an id found here
    /// opens the same module later or nothing (ENOENT) once it is gone.
    /// </summary>
    private static Dictionary<string, uint> KernelBtfIds()
    {
        var ids = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var id in BpfObjectIds.BtfIds())
        {
            using var fd = BpfObjectIds.TryOpenBtf(id);
            if (fd is not null && ObjectInfo.GetKernelBtfName(fd) is { Length: > 0 } name)
                ids.TryAdd(name, id);
        }

        return ids;
    }
}
