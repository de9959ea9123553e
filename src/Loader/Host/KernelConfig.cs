using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Text;
using RawBpf.Elf;
using RawBpf.Loader.Objects;

namespace RawBpf.Loader.Host;

/// <summary>
/// Values for <c>.kconfig</c> externs, as libbpf resolves them: LINUX_KERNEL_VERSION from the running kernel's
/// release, CONFIG_* from <c>/proc/config.gz</c> or <c>/boot/config-$(uname -r)</c>. A missing weak extern is 0;
/// a missing strong one fails the load.
/// </summary>
internal static class KernelConfig
{
    /// <summary>
    /// Whether <c>/proc/config.gz</c> may be decompressed. An application that never loads .kconfig externs sets
    /// the trimming switch <c>RawBpf.Loader.KernelConfigGzip</c> to false, and Native AOT then leaves out
    /// GZipStream and the native zlib it links (about 0.1 MB).
    /// </summary>
    [FeatureSwitchDefinition("RawBpf.Loader.KernelConfigGzip")]
    internal static bool IsGzipSupported => !AppContext.TryGetSwitch("RawBpf.Loader.KernelConfigGzip", out var enabled) || enabled;

    /// <summary>Fills the <c>.kconfig</c> map value for <paramref name="externs"/>.</summary>
    public static void Fill(Span<byte> value, IEnumerable<BpfExtern> externs)
    {
        Dictionary<string, string>? config = null;
        foreach (var item in externs)
        {
            if (item.Kind != ExternKind.Kconfig)
                continue;
            var slot = value.Slice(item.KconfigOffset, item.KconfigSize);
            if (item.Name == "LINUX_KERNEL_VERSION")
            {
                BinaryPrimitives.WriteUInt32LittleEndian(slot, KernelVersionCode());
                continue;
            }
            if (LoaderProvided(item.Name) is { } provided)
            {
                Encode(item, provided ? "y" : "n", slot);
                continue;
            }
            if (!item.Name.StartsWith("CONFIG_", StringComparison.Ordinal))
            {
                if (!item.IsWeak)
                    throw new BpfObjectLoadException($".kconfig extern '{item.Name}' is not a CONFIG_ option nor one the loader provides");
                continue;
            }
            config ??= ReadConfig();
            if (config.TryGetValue(item.Name, out var text))
                Encode(item, text, slot);
            else if (!item.IsWeak)
                throw new BpfObjectLoadException($".kconfig extern '{item.Name}' is not set in the kernel configuration and is not __weak");
        }
    }

    /// <summary>
    /// The booleans libbpf fills from feature probes rather than the configuration: LINUX_HAS_BPF_COOKIE
    /// (bpf_get_attach_cookie exists) and LINUX_HAS_SYSCALL_WRAPPER (syscalls enter through __x64_sys_NAME...).
    /// </summary>
    private static bool? LoaderProvided(string name) => name switch
    {
        "LINUX_HAS_BPF_COOKIE" => KernelFeatures.HasBpfCookie,
        "LINUX_HAS_SYSCALL_WRAPPER" => KernelFeatures.HasSyscallWrapper,
        _ => null,
    };

    /// <summary>KERNEL_VERSION(a, b, c) of the running kernel, c capped at 255 as the kernel does.</summary>
    public static uint KernelVersionCode()
    {
        var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        var parts = release.Split('.', '-', '+');
        static uint Part(string[] p, int i) => i < p.Length && uint.TryParse(p[i], out var v) ? v : 0;
        return (Part(parts, 0) << 16) + (Part(parts, 1) << 8) + Math.Min(Part(parts, 2), 255u);
    }

    private static void Encode(BpfExtern item, string text, Span<byte> slot)
    {
        switch (item.KconfigType)
        {
            case KconfigType.Tristate:
                slot[0] = text switch { "y" => 1, "m" => 2, _ => 0 };
                break;
            case KconfigType.Bool:
                slot[0] = text is "y" or "m" ? (byte)1 : (byte)0;
                break;
            case KconfigType.Char:
                slot[0] = text.Length > 0 ? (byte)text[0] : (byte)0;
                break;
            case KconfigType.CharArray:
                var unquoted = text.Length >= 2 && text[0] == '"' && text[^1] == '"' ? text[1..^1] : text;
                var bytes = Encoding.UTF8.GetBytes(unquoted);
                bytes.AsSpan(0, Math.Min(bytes.Length, slot.Length - 1)).CopyTo(slot);
                break;
            case KconfigType.Int:
                var value = text is "y" ? 1 : text is "n" ? 0 : ParseInteger(item.Name, text);
                Span<byte> little = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(little, value);
                little[..Math.Min(slot.Length, 8)].CopyTo(slot);
                break;
            default:
                throw new BpfObjectLoadException($".kconfig extern '{item.Name}' has a type the loader cannot fill");
        }
    }

    private static long ParseInteger(string name, string text)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && long.TryParse(text[2..], System.Globalization.NumberStyles.HexNumber, null, out var hex))
            return hex;
        if (long.TryParse(text, out var value))
            return value;
        throw new BpfObjectLoadException($".kconfig extern '{name}': kernel configuration value '{text}' is not a number");
    }

    private static Dictionary<string, string> ReadConfig()
    {
        var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        TextReader reader;
        if (File.Exists("/proc/config.gz") && IsGzipSupported)
            reader = new StreamReader(new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress));
        else if (File.Exists($"/boot/config-{release}"))
            reader = new StreamReader($"/boot/config-{release}");
        else if (File.Exists("/proc/config.gz"))
            throw new BpfObjectLoadException("the object uses .kconfig externs and the kernel configuration is only in /proc/config.gz, but this application was built with the feature switch RawBpf.Loader.KernelConfigGzip=false (no gzip support)");
        else
            throw new BpfObjectLoadException($"the object uses .kconfig externs, but neither /proc/config.gz nor /boot/config-{release} exists");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using (reader)
        {
            while (reader.ReadLine() is { } line)
            {
                var equals = line.IndexOf('=');
                if (line.StartsWith("CONFIG_", StringComparison.Ordinal) && equals > 0)
                    values[line[..equals]] = line[(equals + 1)..];
            }
        }
        return values;
    }
}
