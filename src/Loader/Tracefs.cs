using System.Globalization;
using RawBpf.Loader.Interop;

namespace RawBpf.Loader;

/// <summary>
/// tracefs, where tracepoint ids live (<c>events/&lt;category&gt;/&lt;name&gt;/id</c>). Found through
/// /proc/self/mountinfo first, then the two conventional places; mounted at /sys/kernel/tracing when absent.
/// </summary>
public static class Tracefs
{
    public const string DefaultMountPoint = "/sys/kernel/tracing";
    public const string DebugfsMountPoint = "/sys/kernel/debug/tracing";

    private static readonly Lock Gate = new();
    private static string? _root;

    /// <summary>The tracefs root, mounting tracefs at /sys/kernel/tracing if none is mounted and
    /// <paramref name="mountIfMissing"/> (needs CAP_SYS_ADMIN).</summary>
    public static string Locate(bool mountIfMissing = true)
    {
        lock (Gate)
        {
            if (_root is not null && Directory.Exists(Path.Combine(_root, "events")))
            {
                return _root;
            }

            _root = Find();
            if (_root is null && mountIfMissing)
            {
                KernelCalls.Mount("tracefs", DefaultMountPoint, "tracefs");
                _root = DefaultMountPoint;
            }

            return _root ?? throw new DirectoryNotFoundException("tracefs is not mounted (mount -t tracefs tracefs /sys/kernel/tracing)");
        }
    }

    /// <summary>The mounted tracefs, or null.</summary>
    public static string? Find()
    {
        foreach (var mountPoint in MountInfo.FindMountPoints("tracefs"))
        {
            if (File.Exists(Path.Combine(mountPoint, "events", "header_page")) || Directory.Exists(Path.Combine(mountPoint, "events")))
            {
                return mountPoint;
            }
        }

        // Not in our mount namespace's table but reachable (e.g. debugfs automount).
        foreach (var candidate in new[] { DefaultMountPoint, DebugfsMountPoint })
        {
            if (Directory.Exists(Path.Combine(candidate, "events")))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The id of tracepoint <paramref name="category"/>/<paramref name="name"/>: perf_event_attr.config for PERF_TYPE_TRACEPOINT.</summary>
    public static ulong GetTracepointId(string category, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(category);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (category.Contains('/', StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal) || category.Contains("..", StringComparison.Ordinal) || name.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"bad tracepoint name \"{category}/{name}\"");
        }

        var path = Path.Combine(Locate(), "events", category, name, "id");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArgumentException($"no tracepoint {category}/{name} on this kernel ({path} does not exist)", e);
        }

        return ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new FormatException($"{path}: not a tracepoint id: \"{text.Trim()}\"");
    }
}
