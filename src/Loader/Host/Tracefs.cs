using System.Globalization;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Host;

/// <summary>
/// tracefs, where tracepoint ids live (<c>events/&lt;category&gt;/&lt;name&gt;/id</c>). Found through
/// /proc/self/mountinfo first, then the two conventional places; mounted at /sys/kernel/tracing when absent and the
/// process may mount (CAP_SYS_ADMIN). Once mounted it is mode 0700: only a process that may read it gets ids.
/// </summary>
internal static class Tracefs
{
    public const string DefaultMountPoint = "/sys/kernel/tracing";
    public const string DebugfsMountPoint = "/sys/kernel/debug/tracing";

    private static readonly Lock Gate = new();
    private static string? _root;

    /// <summary>
    /// Whether <see cref="GetTracepointId"/> can succeed here: tracefs is mounted and this process can read its
    /// events, or none is mounted and this process may mount one (CAP_SYS_ADMIN). A caller with another way in
    /// (a raw tracepoint) takes it when this is false.
    /// </summary>
    public static bool IsReadable => Find() is { } root ? CanReadEvents(root) : Capabilities.Has(Capability.SysAdmin);

    /// <summary>The tracefs root, mounting tracefs at /sys/kernel/tracing if none is mounted and
    /// <paramref name="mountIfMissing"/> and the process has CAP_SYS_ADMIN; a mount point that is there but not
    /// readable is returned as it is (reading an id then fails with EACCES).</summary>
    public static string Locate(bool mountIfMissing = true)
    {
        lock (Gate)
        {
            if (_root is not null && Directory.Exists(Path.Combine(_root, "events")))
            {
                return _root;
            }

            _root = Find();
            if (_root is null && mountIfMissing && Capabilities.Has(Capability.SysAdmin))
            {
                KernelCalls.Mount("tracefs", DefaultMountPoint, "tracefs");
                _root = DefaultMountPoint;
            }

            return _root ?? throw new KernelInterfaceException(
                $"tracefs is not mounted, and mounting it needs CAP_SYS_ADMIN (mount -t tracefs tracefs {DefaultMountPoint})");
        }
    }

    /// <summary>The mounted tracefs (readable by this process or not), or null.</summary>
    public static string? Find()
    {
        var mountPoints = MountInfo.FindMountPoints("tracefs");
        foreach (var mountPoint in mountPoints)
        {
            if (CanReadEvents(mountPoint))
            {
                return mountPoint;
            }
        }

        // Not in our mount namespace's table but reachable (e.g. debugfs automount).
        foreach (var candidate in new[] { DefaultMountPoint, DebugfsMountPoint })
        {
            if (CanReadEvents(candidate))
            {
                return candidate;
            }
        }

        // Mounted, but this process cannot look inside (mode 0700 and no root): still the place, not a reason to mount.
        return mountPoints.Count > 0 ? mountPoints[0] : null;
    }

    private static bool CanReadEvents(string root) => Directory.Exists(Path.Combine(root, "events"));

    /// <summary>The id of tracepoint <paramref name="category"/>/<paramref name="name"/>: perf_event_attr.config for PERF_TYPE_TRACEPOINT.</summary>
    public static ulong GetTracepointId(string category, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(category);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (category.Contains('/', StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal) || category.Contains("..", StringComparison.Ordinal) || name.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"bad tracepoint name \"{category}/{name}\"");
        }

        var root = Locate();
        var path = Path.Combine(root, "events", category, name, "id");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or FileNotFoundException or DirectoryNotFoundException)
        {
            if (e is UnauthorizedAccessException || !CanReadEvents(root))
            {
                throw new LinuxSyscallException($"open({path})", Errno.EACCES,
                    $"tracefs at {root} is readable by root only (mode 0700): run as root, or attach without tracefs (a raw tracepoint)");
            }

            throw new KernelInterfaceException($"no tracepoint {category}/{name} on this kernel ({path} does not exist)", e);
        }

        return ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new KernelInterfaceException($"{path}: not a tracepoint id: \"{text.Trim()}\"");
    }
}
