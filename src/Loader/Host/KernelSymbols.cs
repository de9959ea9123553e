using System.Globalization;
using RawBpf.Loader;

namespace RawBpf.Loader.Host;

/// <summary>
/// Addresses of kernel symbols from <c>/proc/kallsyms</c> ("address type name [module]" per line), for untyped
/// .ksyms externs (<c>extern const void x __ksym</c>), as libbpf's <c>bpf_object__read_kallsyms_file</c>.
/// </summary>
public static class KernelSymbols
{
    public const string KallsymsPath = "/proc/kallsyms";

    /// <summary>The addresses of <paramref name="names"/> found in <see cref="KallsymsPath"/>.</summary>
    public static IReadOnlyDictionary<string, ulong> Find(IReadOnlySet<string> names)
    {
        using var reader = new StreamReader(KallsymsPath);
        return Find(reader, names);
    }

    /// <summary>The addresses of <paramref name="names"/> in kallsyms text; a name listed at two addresses is ambiguous.</summary>
    /// <exception cref="BpfObjectLoadException">A name appears with two different addresses.</exception>
    public static IReadOnlyDictionary<string, ulong> Find(TextReader kallsyms, IReadOnlySet<string> names)
    {
        ArgumentNullException.ThrowIfNull(kallsyms);
        ArgumentNullException.ThrowIfNull(names);
        var found = new Dictionary<string, ulong>(StringComparer.Ordinal);
        while (kallsyms.ReadLine() is { } line)
        {
            var fields = line.Split([' ', '\t'], 4, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3 || !names.Contains(fields[2])
                || !ulong.TryParse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
                continue;
            if (found.TryGetValue(fields[2], out var earlier) && earlier != address)
                throw new BpfObjectLoadException($"kernel symbol '{fields[2]}' is ambiguous in {KallsymsPath}: 0x{earlier:x} or 0x{address:x}");
            found[fields[2]] = address;
        }
        return found;
    }
}
