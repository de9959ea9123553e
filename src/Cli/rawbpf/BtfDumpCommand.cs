using System.CommandLine;
using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Host;

namespace RawBpf.Cli;

/// <summary>
/// <c>rawbpf btf dump file PATH [format raw|c] [--base PATH]</c>: bpftool's raw BTF dump or its C header
/// (a vmlinux.h), from our own reader.
/// </summary>
internal static class BtfDumpCommand
{
    private const string FormatKeyword = "format";

    public static Command Create(Option<string?> baseOption)
    {
        var path = new Argument<string>("PATH")
        {
            Description = "A BTF file: raw BTF (/sys/kernel/btf/*) or an ELF object with a .BTF section",
        };
        // bpftool's grammar: a keyword and its value after the path, not an option.
        var format = new Argument<string[]>("format FORMAT")
        {
            Description = "raw (default): one line per type, as bpftool; c: a C header of every type (vmlinux.h)",
            Arity = new ArgumentArity(0, 2),
        };
        format.Validators.Add(result =>
        {
            if (FormatError(result.Tokens.Select(token => token.Value).ToArray()) is { } error)
                result.AddError($"btf dump file: {error}");
        });
        var file = new Command("file", "Dump the BTF in a file") { path, format };
        file.SetAction(result => Dump(result.GetRequiredValue(path), IsCFormat(result.GetValue(format) ?? []), result.GetValue(baseOption)));
        return new Command("btf", "Inspect BTF")
        {
            new Command("dump", "Dump BTF types in bpftool's raw format or as a C header") { file },
        };
    }

    /// <summary>What is wrong with the words after PATH (bpftool's messages), or null.</summary>
    private static string? FormatError(string[] words) => words switch
    {
        [] or [FormatKeyword, "raw" or "c"] => null,
        [FormatKeyword] => "expecting value for 'format'",
        [FormatKeyword, var other] => $"unrecognized format specifier: '{other}', possible values: raw, c",
        [var other, ..] => $"unrecognized option: '{other}'",
    };

    private static bool IsCFormat(string[] words) => words is [FormatKeyword, "c"];

    private static int Dump(string path, bool cFormat, string? basePath)
    {
        using var baseBtf = LoadBase(path, basePath);
        // Dumps what bpftool dumps (an odd version, a name past the strings as '(invalid)'); loading stays strict.
        using var btf = BtfFileReader.Load(path, baseBtf, BtfAcceptance.Bpftool);
        // A reader that left (`| head`) ends the dump: CliRunner treats StandardStreamClosedException as success.
        if (cFormat)
            BtfCDumper.Write(btf, StandardStream.Output);
        else
            BtfDumper.Write(btf, StandardStream.Output);
        return Common.ExitCodes.Success;
    }

    /// <summary>The given base, or vmlinux for a module's BTF under /sys/kernel/btf (bpftool does the same).</summary>
    private static Btf? LoadBase(string path, string? basePath)
    {
        if (basePath is not null)
            return BtfFileReader.Load(basePath);
        var full = Path.GetFullPath(path);
        if (full.StartsWith(BtfFileReader.KernelBtfDirectory + "/", StringComparison.Ordinal) && full != BtfFileReader.VmlinuxPath)
            return BtfFileReader.Load(BtfFileReader.VmlinuxPath);
        return null;
    }
}
