using System.CommandLine;
using RawBpf.BtfCore;
using RawBpf.Loader.Host;

namespace RawBpf.Cli;

/// <summary><c>rawbpf btf dump file PATH [--base PATH]</c>: bpftool's raw BTF dump, from our own reader.</summary>
internal static class BtfDumpCommand
{
    public static Command Create(Option<string?> baseOption)
    {
        var path = new Argument<string>("PATH")
        {
            Description = "A BTF file: raw BTF (/sys/kernel/btf/*) or an ELF object with a .BTF section",
        };
        var file = new Command("file", "Dump the BTF in a file") { path };
        file.SetAction(result => Dump(result.GetRequiredValue(path), result.GetValue(baseOption)));
        return new Command("btf", "Inspect BTF")
        {
            new Command("dump", "Dump BTF types in bpftool's raw format") { file },
        };
    }

    private static int Dump(string path, string? basePath)
    {
        using var baseBtf = LoadBase(path, basePath);
        // Dumps what bpftool dumps (an odd version, a name past the strings as '(invalid)'); loading stays strict.
        using var btf = BtfFile.Load(path, baseBtf, BtfAcceptance.Bpftool);
        // A reader that left (`| head`) ends the dump: CliRunner treats StandardStreamClosedException as success.
        BtfDumper.Write(btf, StandardStream.Output);
        return Common.ExitCodes.Success;
    }

    /// <summary>The given base, or vmlinux for a module's BTF under /sys/kernel/btf (bpftool does the same).</summary>
    private static Btf? LoadBase(string path, string? basePath)
    {
        if (basePath is not null)
            return BtfFile.Load(basePath);
        var full = Path.GetFullPath(path);
        if (full.StartsWith(BtfFile.KernelBtfDirectory + "/", StringComparison.Ordinal) && full != BtfFile.VmlinuxPath)
            return BtfFile.Load(BtfFile.VmlinuxPath);
        return null;
    }
}
