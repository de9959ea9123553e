using System.Globalization;

namespace RawBpf.Loader;

/// <summary>The process's effective capabilities (capabilities(7)), as the CapEff line of /proc/self/status shows them.</summary>
public static class ProcessCapabilities
{
    /// <summary>CAP_SYS_ADMIN from uapi linux/capability.h: mount(2) needs it.</summary>
    public const int SysAdmin = 21;

    /// <summary>Whether capability number <paramref name="capability"/> is in the effective set.</summary>
    public static bool HasEffective(int capability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capability, 63);
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                return (ulong.Parse(line.AsSpan("CapEff:".Length).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) >> capability & 1) != 0;
        }
        return false;
    }
}
