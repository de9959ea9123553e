using System.CommandLine;
using RawBpf.Cli.Common;

namespace RawBpf.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        CliRunner.Prepare();
        var baseOption = new Option<string?>("--base", "-B")
        {
            Description = "Base BTF for split BTF (default for /sys/kernel/btf/MODULE: /sys/kernel/btf/vmlinux)",
            Recursive = true,
        };
        var root = new RootCommand("rawbpf: BPF object and BTF tools in managed code")
        {
            baseOption,
            BtfDumpCommand.Create(baseOption),
            ProgLoadAllCommand.Create(),
            LinkCommand.Create(),
            ObjectCommand.Create(),
            NetAttachCommand.Create(),
            GenSkeletonCommand.Create(),
            StructOpsCommand.Create(),
        };
        return CliRunner.Run(root, args);
    }
}
