using System.Runtime.InteropServices;

namespace RawBpf.Loader.Host;

/// <summary>Kernel function names: /proc/kallsyms (every symbol) and tracefs available_filter_functions (what kprobe.multi can attach to).</summary>
public static class KernelSymbols
{
    /// <summary>Whether /proc/kallsyms lists <paramref name="name"/> as a function (text symbol), in vmlinux or a module.</summary>
    public static bool IsFunction(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var line in File.ReadLines("/proc/kallsyms"))
        {
            // "ADDRESS TYPE NAME[\t[MODULE]]"
            var parts = line.Split([' ', '\t'], 4, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && parts[2] == name && parts[1] is "T" or "t" or "W" or "w")
                return true;
        }

        return false;
    }

    /// <summary>
    /// The traceable functions whose names match glob <paramref name="pattern"/>, from tracefs
    /// available_filter_functions (module suffixes " [mod]" dropped, duplicates once), as libbpf resolves a
    /// kprobe.multi pattern.
    /// </summary>
    public static IReadOnlyList<string> MatchTraceable(string pattern)
    {
        var path = Path.Combine(Tracefs.Locate(), "available_filter_functions");
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var end = line.IndexOfAny([' ', '\t']);
            var name = end < 0 ? line : line[..end];
            if (name.Length > 0 && Glob.IsMatch(name, pattern))
                names.Add(name);
        }

        return [.. names];
    }

    /// <summary>
    /// The arch prefix of syscall wrappers (<c>__x64_sys_openat</c>, <c>__arm64_sys_openat</c>), as libbpf's
    /// arch_specific_syscall_pfx, or null where the loader knows none.
    /// </summary>
    public static string? SyscallWrapperPrefix => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "x64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "ia32",
        Architecture.S390x => "s390x",
        Architecture.RiscV64 => "riscv",
        _ => null,
    };
}
