using System.CommandLine;

namespace RawBpf.Cli;

/// <summary><c>--btf FILE</c>: the kernel's types from a file instead of /sys/kernel/btf (bpftool's <c>--btf</c> meaning for CO-RE).</summary>
internal static class KernelBtfOption
{
    public static Option<string?> Create() => new("--btf")
    {
        Description = "Kernel BTF to resolve CO-RE relocations against (raw BTF or an ELF with .BTF) instead of /sys/kernel/btf/vmlinux",
    };
}
