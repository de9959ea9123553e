using System.Runtime.InteropServices;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;

namespace RawBpf.Loader.Host;

/// <summary>A function of a user-space binary, at a file offset a uprobe can attach to.</summary>
/// <param name="Name">The symbol's name.</param>
/// <param name="Offset">Its file offset: what perf_event_attr.config2 (probe_offset) and uprobe_multi.offsets take.</param>
public sealed record UprobeFunction(string Name, ulong Offset);

/// <summary>
/// Where a uprobe goes: the binary's path (a bare library or program name searched as libbpf's
/// resolve_full_path does) and a function's file offset, found in the binary's .dynsym and .symtab (read through
/// ELFSharp) as libbpf's elf_find_func_offset does: STT_FUNC or STT_GNU_IFUNC, a global definition preferred over
/// a weak one, the offset being st_value moved from the symbol's section address to its file offset.
/// </summary>
public static class UprobeTargets
{
    private const int SttGnuIfunc = 10; // STT_GNU_IFUNC, an OS-specific type ELFSharp has no name for

    /// <summary>
    /// The full path of <paramref name="binary"/>: unchanged when it holds a '/'; a shared library name
    /// ("libc.so.6", anything with ".so") is searched in LD_LIBRARY_PATH, /usr/lib64, /usr/lib and the
    /// architecture's multiarch directories; any other name in PATH, /usr/bin and /usr/sbin.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static string ResolveBinaryPath(string binary)
    {
        ArgumentException.ThrowIfNullOrEmpty(binary);
        if (binary.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(binary)
                ? Path.GetFullPath(binary)
                : throw new FileNotFoundException($"uprobe target \"{binary}\" does not exist", binary);
        }

        var isLibrary = binary.EndsWith(".so", StringComparison.Ordinal) || binary.Contains(".so.", StringComparison.Ordinal);
        var searchPath = isLibrary
            ? $"{Environment.GetEnvironmentVariable("LD_LIBRARY_PATH")}:/usr/lib64:/usr/lib:{MultiarchLibraryPath()}"
            : $"{Environment.GetEnvironmentVariable("PATH")}:/usr/bin:/usr/sbin";
        foreach (var directory in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, binary);
            if (File.Exists(candidate))
                return candidate;
        }

        throw new FileNotFoundException(
            $"uprobe target \"{binary}\" was not found in {(isLibrary ? "the library directories" : "PATH")} ({searchPath.Trim(':')})", binary);
    }

    /// <summary>The file offset of function <paramref name="symbol"/> in <paramref name="path"/>.</summary>
    /// <exception cref="KeyNotFoundException">The binary defines no such function.</exception>
    public static ulong FindFunctionOffset(string path, string symbol)
    {
        ArgumentException.ThrowIfNullOrEmpty(symbol);
        var matches = Functions(path, name => name == symbol);
        if (matches.Count == 0)
            throw new KeyNotFoundException($"{path} defines no function \"{symbol}\" in .dynsym or .symtab (stripped, or a different version of the binary?)");
        return matches[0].Offset;
    }

    /// <summary>Every function of <paramref name="path"/> whose name matches the glob <paramref name="pattern"/> ('*' and '?'), one per name.</summary>
    public static IReadOnlyList<UprobeFunction> FindFunctions(string path, string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        return Functions(path, name => Glob.IsMatch(name, pattern));
    }

    /// <summary>The defined functions of <paramref name="path"/> whose name (without a "@VERSION" suffix) <paramref name="wanted"/> accepts.</summary>
    private static List<UprobeFunction> Functions(string path, Func<string, bool> wanted)
    {
        IELF elf;
        try
        {
            if (!ELFReader.TryLoad(path, out elf))
                throw new InputFileException(path, $"{path} is not an ELF file: a uprobe needs an ELF executable or shared library");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // .NET's own messages are resource keys in the AOT tools: say it in words.
            throw new InputFileException(path, $"{path} cannot be read ({(e is UnauthorizedAccessException ? "permission denied" : "input/output error")})");
        }
        catch (Exception e) when (e is not InputFileException)
        {
            // ELFSharp's exceptions say which of its tables it could not index, not what is wrong with the file.
            throw new InputFileException(path, $"{path} is not a readable ELF file: its headers point outside it");
        }

        using (elf)
        {
            if (elf is not ELF<ulong> elf64)
                throw new InputFileException(path, $"{path} is a 32-bit ELF file: only 64-bit binaries are supported");
            // name → (offset, global?) : a global definition replaces a weak one; .dynsym is read before .symtab, as libbpf does.
            var found = new Dictionary<string, (ulong Offset, bool Global)>(StringComparer.Ordinal);
            foreach (var table in elf64.GetSections<SymbolTable<ulong>>().OrderBy(t => t.Type == SectionType.DynamicSymbolTable ? 0 : 1))
            {
                foreach (var entry in table.Entries)
                {
                    if (entry.Type != SymbolType.Function && (int)entry.Type != SttGnuIfunc)
                        continue;
                    if (entry.IsPointedIndexSpecial || entry.PointedSection is not Section<ulong> section || section.Type == SectionType.NoBits)
                        continue;
                    var at = entry.Name.IndexOf('@', StringComparison.Ordinal);
                    var name = at < 0 ? entry.Name : entry.Name[..at];
                    if (name.Length == 0 || !wanted(name))
                        continue;
                    var global = entry.Binding == SymbolBinding.Global;
                    if (found.TryGetValue(name, out var known) && (known.Global || !global))
                        continue;
                    found[name] = (entry.Value - section.LoadAddress + section.Offset, global);
                }
            }

            return [.. found.Select(pair => new UprobeFunction(pair.Key, pair.Value.Offset)).OrderBy(f => f.Offset)];
        }
    }

    private static string MultiarchLibraryPath() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu",
        Architecture.Arm64 => "/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu",
        _ => string.Empty,
    };
}
