using System.Globalization;

namespace RawBpf.Loader.Host;

/// <summary>
/// CPU lists from sysfs (<c>/sys/devices/system/cpu/possible</c>, <c>online</c>), format "0-3,5,7-8". Per-CPU map
/// values have one slot per <em>possible</em> CPU, which may exceed the online count (hotplug). Internal: users size
/// per-CPU values with <c>BpfMap.ValueBufferSize</c>.
/// </summary>
internal static class CpuSet
{
    private static readonly Lazy<int[]> PossibleCpus = new(() => Parse(File.ReadAllText("/sys/devices/system/cpu/possible"), "/sys/devices/system/cpu/possible"));

    /// <summary>Number of possible CPUs: the kernel's num_possible_cpus() for per-CPU value buffers.</summary>
    public static int PossibleCount => PossibleCpus.Value.Length == 0 ? 0 : PossibleCpus.Value[^1] + 1;

    /// <summary>The possible CPU ids.</summary>
    public static IReadOnlyList<int> Possible => PossibleCpus.Value;

    /// <summary>The CPUs online now (read each time: CPUs come and go).</summary>
    public static IReadOnlyList<int> Online() => Parse(File.ReadAllText("/sys/devices/system/cpu/online"), "/sys/devices/system/cpu/online");

    /// <summary>Parses a kernel CPU list such as "0-3,5".</summary>
    public static int[] Parse(string list, string source = "cpu list")
    {
        ArgumentNullException.ThrowIfNull(list);
        var cpus = new List<int>();
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                cpus.Add(ParseCpu(part, source));
                continue;
            }

            var first = ParseCpu(part[..dash], source);
            var last = ParseCpu(part[(dash + 1)..], source);
            if (last < first)
            {
                throw new FormatException($"{source}: bad CPU range '{part}'");
            }

            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    private static int ParseCpu(string text, string source) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var cpu)
            ? cpu
            : throw new FormatException($"{source}: bad CPU number '{text}'");
}
