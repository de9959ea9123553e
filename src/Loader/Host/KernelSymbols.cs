using System.Globalization;

namespace RawBpf.Loader.Host;

/// <summary>
/// Addresses of kernel symbols from <c>/proc/kallsyms</c> ("address type name [module]" per line), for untyped
/// .ksyms externs (<c>extern const void x __ksym</c>), as libbpf's <c>bpf_object__read_kallsyms_file</c>.
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
        while (kallsyms.ReadLine() is { } line)
        {
            var fields = line.Split([' ', '\t'], 4, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3 || !names.Contains(fields[2])
                || !ulong.TryParse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
                continue;
            if (!found.TryGetValue(fields[2], out var addresses))
                found[fields[2]] = addresses = [];
            if (!addresses.Contains(address))
                addresses.Add(address);
        }
        return found.ToDictionary(p => p.Key, p => (IReadOnlyList<ulong>)p.Value, StringComparer.Ordinal);
    }
}
