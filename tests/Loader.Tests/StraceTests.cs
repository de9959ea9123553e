using System.Text.RegularExpressions;
using RawBpf.Loader.Objects;
using RawBpf.Tests.Shared;

namespace RawBpf.Loader.Tests;

/// <summary>strace of a process that loads exitsnoop through BpfObject: the kernel is driven by bpf(2) and
/// perf_event_open directly, and no libbpf, libelf or zlib is ever opened.</summary>
public class StraceTests
{
    [Fact]
    public void LoadingAnObjectIssuesBpfAndPerfEventOpenDirectlyWithoutLibbpf()
    {
        var trace = Path.Combine(Path.GetTempPath(), $"rawbpf-strace-{Environment.ProcessId}.txt");
        try
        {
            var helper = typeof(HelperProgram).Assembly.Location;
            var exitsnoop = Path.Combine(RepoPaths.BpfObjects, "exitsnoop.bpf.o");
            var run = ExternalTool.Run("strace", "-f", "-qq", "-o", trace, "-e", "trace=openat,bpf,perf_event_open,execve",
                "dotnet", "exec", helper, "load-exitsnoop", exitsnoop);
            Assert.True(run.ExitCode == 0, $"helper exited {run.ExitCode}: {run.StandardError}");
            Assert.Contains("attached 1 program(s)", run.StandardOutputText);

            var lines = File.ReadAllLines(trace);
            // The object's kernel objects are made by bpf(2) itself: BTF, maps, program, link...
            foreach (var command in new[] { "BPF_BTF_LOAD", "BPF_MAP_CREATE", "BPF_MAP_UPDATE_ELEM", "BPF_MAP_FREEZE", "BPF_PROG_LOAD" })
                Assert.Contains(lines, l => l.Contains($"bpf({command},", StringComparison.Ordinal) && !l.Contains("= -1", StringComparison.Ordinal));
            // ...and the tracepoint through a perf event (then a BPF link or the ioctl, by kernel).
            Assert.Contains(lines, l => l.Contains("perf_event_open(", StringComparison.Ordinal) && Regex.IsMatch(l, @"= \d+$"));
            Assert.Contains(lines, l => l.Contains("bpf(BPF_PROG_LOAD", StringComparison.Ordinal) && l.Contains("prog_name=\"handle_exit\"", StringComparison.Ordinal));

            // No C BPF library is involved, nor any other program.
            var opened = lines.Where(l => l.Contains("openat(", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(opened);
            Assert.DoesNotContain(opened, l => Regex.IsMatch(l, @"lib(bpf|elf|z)\.so"));
            Assert.Single(lines, l => l.Contains("execve(", StringComparison.Ordinal) && !l.Contains("ENOENT", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(trace);
        }
    }
}
