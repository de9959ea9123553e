using System.Diagnostics;
using System.Text.RegularExpressions;

namespace RawBpf.Tests.Shared;

/// <summary>
/// What the attach-kind tests share: the uprobe target program (tests/bpf/attach/uprobe_target.c, built with gcc at
/// the path the uprobe sections name) and bpftool as the oracle that nothing is left attached.
/// </summary>
internal static partial class AttachTestSupport
{
    /// <summary>Where uprobe_counts.bpf.c's sections point.</summary>
    public const string UprobeTargetPath = "/tmp/rawbpf_uprobe_target";

    private static readonly Lazy<string> Target = new(BuildUprobeTarget);

    /// <summary>The built target, compiled once per test run (into a temporary file, then renamed into place).</summary>
    public static string UprobeTarget => Target.Value;

    private static string BuildUprobeTarget()
    {
        var source = Path.Combine(RepoPaths.Root, "tests", "bpf", "attach", "uprobe_target.c");
        var temporary = UprobeTargetPath + "." + Environment.ProcessId;
        ExternalTool.RunChecked("gcc", "-O2", "-Wall", "-o", temporary, source);
        File.Move(temporary, UprobeTargetPath, overwrite: true);
        return UprobeTargetPath;
    }

    /// <summary>Starts the target, waiting for <paramref name="goFile"/> to appear before making <paramref name="calls"/> calls.</summary>
    public static Process StartUprobeTarget(int calls, string goFile)
    {
        var start = new ProcessStartInfo(UprobeTarget) { UseShellExecute = false };
        start.ArgumentList.Add(calls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(goFile);
        return Process.Start(start) ?? throw new InvalidOperationException("cannot start " + UprobeTarget);
    }

    /// <summary>Lets a started target run and waits for it to exit with 0.</summary>
    public static void Release(Process target, string goFile)
    {
        File.WriteAllText(goFile, "go");
        Assert.True(target.WaitForExit(10_000), "the uprobe target did not finish");
        Assert.Equal(0, target.ExitCode);
        File.Delete(goFile);
    }

    /// <summary>
    /// Requires that bpftool lists none of <paramref name="linkIds"/> and <paramref name="programIds"/>; links and
    /// programs are freed after an RCU grace period, so this polls, with a bound.
    /// </summary>
    public static void AssertGone(IReadOnlyCollection<uint> linkIds, IReadOnlyCollection<uint> programIds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<uint> links, programs;
        do
        {
            links = [.. linkIds.Intersect(Ids("link"))];
            programs = [.. programIds.Intersect(Ids("prog"))];
            if (links.Count == 0 && programs.Count == 0)
                return;
            Thread.Sleep(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Empty(links);
        Assert.Empty(programs);
    }

    /// <summary>The ids at the start of bpftool's "ID: type ..." lines for <paramref name="kind"/> ("link", "prog").</summary>
    public static HashSet<uint> Ids(string kind) =>
        IdLine().Matches(System.Text.Encoding.UTF8.GetString(ExternalTool.RunChecked("bpftool", kind, "show")))
            .Select(m => uint.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();

    [GeneratedRegex(@"^(\d+): ", RegexOptions.Multiline)]
    private static partial Regex IdLine();
}
