using System.Globalization;
using System.Runtime.InteropServices;

namespace RawBpf.Loader.Host;

/// <summary>
/// Kernel symbols: addresses from <c>/proc/kallsyms</c> ("address type name [module]" per line) for untyped .ksyms
/// externs, as libbpf's <c>bpf_object__read_kallsyms_file</c>; function names for kprobes, and tracefs
/// available_filter_functions (what kprobe.multi can attach to).
/// </summary>
public static class KernelSymbols
{
    public const string KallsymsPath = "/proc/kallsyms";

    /// <summary>The addresses of <paramref name="names"/> found in <see cref="KallsymsPath"/>.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<ulong>> Find(IReadOnlySet<string> names)
    {
        using var reader = new StreamReader(KallsymsPath);
        return Find(reader, names);
    }

    /// <summary>
    /// The distinct addresses of each of <paramref name="names"/> in kallsyms text, in file order: more than one
    /// means the name is ambiguous (static symbols of different files), which libbpf refuses.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<ulong>> Find(TextReader kallsyms, IReadOnlySet<string> names)
    {
        ArgumentNullException.ThrowIfNull(kallsyms);
        ArgumentNullException.ThrowIfNull(names);
        var found = new Dictionary<string, List<ulong>>(StringComparer.Ordinal);
        foreach (var (addressText, _, name) in Entries(kallsyms))
        {
            if (!names.Contains(name)
                || !ulong.TryParse(addressText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
                continue;
            if (!found.TryGetValue(name, out var addresses))
                found[name] = addresses = [];
            if (!addresses.Contains(address))
                addresses.Add(address);
        }
        return found.ToDictionary(p => p.Key, p => (IReadOnlyList<ulong>)p.Value, StringComparer.Ordinal);
    }

    /// <summary>Whether /proc/kallsyms lists <paramref name="name"/> as a function (text symbol), in vmlinux or a module.</summary>
    public static bool IsFunction(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        using var reader = new StreamReader(KallsymsPath);
        return Entries(reader).Any(entry => entry.Name == name && entry.Type is "T" or "t" or "W" or "w");
    }

    /// <summary>Each kallsyms line's address, type and name ("ADDRESS TYPE NAME[\t[MODULE]]"); shorter lines are skipped.</summary>
    private static IEnumerable<(string Address, string Type, string Name)> Entries(TextReader kallsyms)
    {
        while (kallsyms.ReadLine() is { } line)
        {
            var fields = line.Split([' ', '\t'], 4, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3)
                yield return (fields[0], fields[1], fields[2]);
        }
    }

    /// <summary>
    /// The traceable functions whose names match glob <paramref name="pattern"/>, from tracefs
    /// available_filter_functions (module suffixes " [mod]" dropped, duplicates once), as libbpf resolves a
    /// kprobe.multi pattern.
    /// </summary>
    public static IReadOnlyList<string> MatchTraceable(string pattern)
    {
        var path = Path.Combine(Tracefs.Locate(), "available_filter_functions");
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var end = line.IndexOfAny([' ', '\t']);
            var name = end < 0 ? line : line[..end];
            if (name.Length > 0 && Glob.IsMatch(name, pattern))
                names.Add(name);
        }

        return [.. names];
    }

    /// <summary>
    /// The arch prefix of syscall wrappers (<c>__x64_sys_openat</c>, <c>__arm64_sys_openat</c>), as libbpf's
    /// arch_specific_syscall_pfx, or null where the loader knows none.
    /// </summary>
    public static string? SyscallWrapperPrefix => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "x64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "ia32",
        Architecture.S390x => "s390x",
        Architecture.RiscV64 => "riscv",
        _ => null,
    };
}
