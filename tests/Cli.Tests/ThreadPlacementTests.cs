namespace RawBpf.Cli.Tests;

/// <summary>rawexitsnoop's start-up placement (its source is compiled in: the tool is an executable).</summary>
public sealed class ThreadPlacementTests
{
    [Fact]
    public void AvoidingACpuTakesItOutOfTheThreadsAffinity()
    {
        var before = "";
        var after = "";
        var moved = false;
        var current = -1;
        var thread = new Thread(() =>
        {
            before = AllowedCpus();
            current = ThreadPlacement.CurrentCpu;
            moved = ThreadPlacement.AvoidCpu(current);
            after = AllowedCpus();
        });
        thread.Start();
        thread.Join();

        Assert.InRange(current, 0, Environment.ProcessorCount - 1);
        Assert.Contains(current, ParseList(before));
        if (ParseList(before).Count > 1)
        {
            Assert.True(moved);
            Assert.Equal(ParseList(before).Where(cpu => cpu != current), ParseList(after));
        }
        else
        {
            Assert.False(moved); // the only CPU: nothing else to run on, so nothing changes
            Assert.Equal(before, after);
        }
        // Only that thread moved: this one keeps every CPU.
        Assert.Contains(current, ParseList(AllowedCpus()));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1024)]
    public void CpusOutsideTheSetChangeNothing(int cpu)
    {
        var before = AllowedCpus();
        Assert.False(ThreadPlacement.AvoidCpu(cpu));
        Assert.Equal(before, AllowedCpus());
    }

    private static string AllowedCpus() =>
        File.ReadLines("/proc/thread-self/status").First(line => line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))["Cpus_allowed_list:".Length..].Trim();

    /// <summary>"0-2,5" → 0, 1, 2, 5.</summary>
    private static List<int> ParseList(string list)
    {
        var cpus = new List<int>();
        foreach (var range in list.Split(','))
        {
            var bounds = range.Split('-');
            var first = int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture);
            var last = bounds.Length > 1 ? int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture) : first;
            for (var cpu = first; cpu <= last; cpu++)
                cpus.Add(cpu);
        }
        return cpus;
    }
}
