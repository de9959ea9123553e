using System.Text.RegularExpressions;

namespace RawBpf.Tests.Shared;

/// <summary>The lines of libbpf's debug log (bpftool -d, the oracle loader) that the CO-RE comparisons read.</summary>
internal static partial class LibbpfLog
{
    /// <summary>One message about one CO-RE relocation: <c>libbpf: prog 'P': relo #N: TEXT</c>.</summary>
    [GeneratedRegex(@"^libbpf: prog '(?<prog>[^']+)': relo #(?<relo>\d+): (?<text>.*)$")]
    public static partial Regex RelocationLine();

    /// <summary>The TEXT of a relocation whose instruction libbpf poisoned.</summary>
    [GeneratedRegex(@"^substituting insn #(?<insn>\d+) w/ invalid insn$")]
    public static partial Regex PoisonLine();
}
