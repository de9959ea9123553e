using Microsoft.Win32.SafeHandles;
using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Interop;

namespace RawBpf.Loader.Host;

/// <summary>
/// Loads BTF from a file: the kernel's (<c>/sys/kernel/btf/vmlinux</c>, a module's on top of it), raw BTF, or an
/// ELF file with a <c>.BTF</c> section (as BTFHub ships). Kernel BTF is mapped in place, other files are read;
/// <see cref="ElfBtfFile.Parse"/> makes sense of the bytes.
/// </summary>
public static class BtfFileReader
{
    /// <summary>Where the running kernel publishes its BTF.</summary>
    public const string KernelBtfDirectory = "/sys/kernel/btf";

    public static string VmlinuxPath => KernelBtfDirectory + "/vmlinux";

    /// <summary>
    /// Loads the BTF in <paramref name="path"/>; <paramref name="baseBtf"/> for split BTF (a module's);
    /// <paramref name="acceptance"/> <see cref="BtfAcceptance.Bpftool"/> to dump what bpftool dumps.
    /// </summary>
    public static Btf Load(string path, Btf? baseBtf = null, BtfAcceptance acceptance = BtfAcceptance.Strict)
    {
        var (data, owner) = ReadWhole(path);
        return ElfBtfFile.Parse(data, path, baseBtf, acceptance, owner);
    }

    /// <summary>
    /// The file's bytes: mapped for kernel BTF under sysfs (immutable while the kernel runs, so a mapping can
    /// never SIGBUS), read into an array for anything else, where a file truncated under us must not crash. Only
    /// a regular file is read (<see cref="InputFile"/>), and raw BTF only as far as its header says it reaches.
    /// </summary>
    private static (ReadOnlyMemory<byte> Data, IDisposable? Owner) ReadWhole(string path)
    {
        SafeFileHandle handle;
        long length;
        try
        {
            (handle, length) = InputFile.OpenRegular(path, "BTF file");
        }
        catch (InputFileException e)
        {
            throw new BtfFormatException(e.Message, e);
        }
        using (handle)
        {
            if (length > 0 && path.StartsWith(KernelBtfDirectory + "/", StringComparison.Ordinal)
                && length <= int.MaxValue && TryMap(handle, (nuint)length) is { } mapping)
                return (mapping.Memory, mapping);
            try
            {
                var header = InputFile.Read(handle, path, 0, BtfFile.HeaderLengthsEnd);
                var size = BtfFile.DeclaredSize(header, path, length);
                return (size <= header.Length ? header.AsMemory(0, size) : InputFile.Read(handle, path, 0, size), null);
            }
            catch (InputFileException e)
            {
                throw new BtfFormatException(e.Message, e);
            }
        }
    }

    /// <summary>A private read-only mapping (the btf_vmlinux sysfs file refuses MAP_SHARED), or null where the kernel cannot map sysfs BTF (older ones: EINVAL/EACCES), which is then read.</summary>
    private static System.Buffers.MemoryManager<byte>? TryMap(SafeFileHandle file, nuint length)
    {
        try
        {
            return MappedRegion.MapPrivateReadOnly(typeof(Btf), file, length).AsMemoryOwner();
        }
        catch (LinuxSyscallException)
        {
            return null;
        }
    }
}
