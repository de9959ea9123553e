using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Host;

/// <summary>Network interfaces of the calling thread's network namespace, by name.</summary>
public static class NetworkInterfaces
{
    /// <summary>IFNAMSIZ (linux/if.h) less the NUL.</summary>
    private const int MaxNameLength = 15;

    /// <summary>The ifindex of interface <paramref name="name"/> (if_nametoindex).</summary>
    /// <exception cref="ArgumentException">No such interface in this network namespace.</exception>
    public static int GetIndex(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > MaxNameLength || name.Contains('/') || name.Contains('\0') || name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"\"{name}\" is not a network interface name (at most {MaxNameLength} characters, no '/' or spaces)");
        }

        var index = Libc.if_nametoindex(name);
        if (index == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno is Errno.ENODEV or Errno.ENXIO or 0
                ? new ArgumentException($"network interface \"{name}\" does not exist in this network namespace (ip link show lists those that do)")
                : new LinuxSyscallException($"if_nametoindex({name})", errno);
        }

        return (int)index;
    }

    /// <summary>Whether interface <paramref name="ifindex"/> exists in this network namespace (if_indextoname).</summary>
    internal static unsafe bool Exists(int ifindex)
    {
        var name = stackalloc byte[MaxNameLength + 1];
        return Libc.if_indextoname((uint)ifindex, name) != null;
    }

    /// <summary>"veth0 (ifindex 3)" when the name is known, else "ifindex 3": how attach errors name an interface.</summary>
    internal static string Describe(int ifindex, string? name) =>
        name is null ? $"ifindex {ifindex}" : $"{name} (ifindex {ifindex})";
}
