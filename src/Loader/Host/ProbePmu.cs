using System.Globalization;

namespace RawBpf.Loader.Host;

/// <summary>
/// A dynamic perf PMU for probes, <c>kprobe</c> (4.17) or <c>uprobe</c> (4.17): perf_event_attr.type comes from
/// <c>/sys/bus/event_source/devices/NAME/type</c>, and the return-probe flag is the config bit its
/// <c>format/retprobe</c> names (<c>config:0</c>), as libbpf's determine_kprobe_perf_type/retprobe_bit read them.
/// </summary>
public sealed record ProbePmu(string Name, uint Type, int ReturnProbeBit)
{
    private const string Devices = "/sys/bus/event_source/devices";

    /// <summary>The kprobe PMU, or null when the kernel has none (built without CONFIG_KPROBES, or older than 4.17).</summary>
    public static ProbePmu? Kprobe => Find("kprobe");

    /// <summary>The uprobe PMU, or null when the kernel has none (built without CONFIG_UPROBE_EVENTS, or older than 4.17).</summary>
    public static ProbePmu? Uprobe => Find("uprobe");

    /// <summary>The PMU <paramref name="name"/> under /sys/bus/event_source/devices, or null when it is not there.</summary>
    public static ProbePmu? Find(string name)
    {
        var directory = Path.Combine(Devices, name);
        if (!File.Exists(Path.Combine(directory, "type")))
            return null;
        var type = uint.Parse(File.ReadAllText(Path.Combine(directory, "type")).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        return new ProbePmu(name, type, ReadConfigBit(Path.Combine(directory, "format", "retprobe")));
    }

    /// <summary>"config:N" → N; every kernel so far says config:0, which is also libbpf's fallback.</summary>
    private static int ReadConfigBit(string path)
    {
        if (!File.Exists(path))
            return 0;
        var text = File.ReadAllText(path).Trim();
        return text.StartsWith("config:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan("config:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var bit)
            && bit is >= 0 and < 64
            ? bit
            : throw new KernelInterfaceException($"{path}: expected \"config:N\", found \"{text}\"");
    }
}
