using System.Globalization;

namespace RawBpf.Loader.Host;

/// <summary>Linux capabilities (capabilities(7)) that bpf(2) checks, by their bit numbers in linux/capability.h.</summary>
internal enum Capability
{
    NetAdmin = 12,
    SysAdmin = 21,
    SysResource = 24,
    Perfmon = 38,
    Bpf = 39,
}

/// <summary>The calling process's effective capabilities, read from /proc/self/status (CapEff).</summary>
internal static class Capabilities
{
    /// <summary>True when the process holds <paramref name="capability"/>; true as well when CapEff cannot be read, so no hint blames a capability that may be there.</summary>
    public static bool Has(Capability capability) => (Effective() >> (int)capability & 1) != 0;

    /// <summary>The kernel's test for CAP_BPF-gated work: CAP_BPF, or CAP_SYS_ADMIN (which implies it).</summary>
    public static bool HasOrSysAdmin(Capability capability) => Has(capability) || Has(Capability.SysAdmin);

    /// <summary>The name capabilities(7) gives a capability, e.g. <c>CAP_BPF</c>.</summary>
    public static string Name(Capability capability) => capability switch
    {
        Capability.NetAdmin => "CAP_NET_ADMIN",
        Capability.SysAdmin => "CAP_SYS_ADMIN",
        Capability.SysResource => "CAP_SYS_RESOURCE",
        Capability.Perfmon => "CAP_PERFMON",
        Capability.Bpf => "CAP_BPF",
        _ => "capability " + ((int)capability).ToString(CultureInfo.InvariantCulture),
    };

    private static ulong Effective()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal)
                    && ulong.TryParse(line.AsSpan("CapEff:".Length).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
                {
                    return mask;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return ulong.MaxValue;
    }
}
