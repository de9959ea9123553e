using System.CommandLine;
using System.Runtime.InteropServices;

namespace RawBpf.Cli;

internal static class Program
{
    private const string Examples = """
        Trace process exits through a BPF ring buffer, with the status the parent sees, once per process.

        Examples:
          rawexitsnoop                    trace every process exit
          rawexitsnoop -x                 only failures: non-zero exit codes and deaths by signal
          rawexitsnoop -p 1234            only process 1234
          rawexitsnoop -T                 one line per thread exit
          rawexitsnoop --cgroup /sys/fs/cgroup/system.slice/nginx.service
                                          that service and every cgroup below it
          rawexitsnoop --json -c 100      100 records as JSON lines
          rawexitsnoop --explain -c 1     show each bpf(2) and perf_event_open call of the load
        """;

    private const double MaxDurationSeconds = (uint.MaxValue - 1) / 1000;

    private static async Task<int> Main(string[] args)
    {
        var kernelBtf = KernelBtfPreload.StartUnlessOverridden(args);
        var pid = new Option<int?>("--pid", "-p") { Description = "Only this process id (filtered in the kernel)", HelpName = "PID" };
        var failed = new Option<bool>("--failed", "-x") { Description = "Only exits with a non-zero code or a signal" };
        var threads = new Option<bool>("--threads", "-T") { Description = "One record per thread exit (adds a TID column)" };
        var cgroup = new Option<string?>("--cgroup") { Description = "Only processes in this cgroup v2 directory or any cgroup below it", HelpName = "PATH" };
        var cgroupExact = new Option<string?>("--cgroup-exact") { Description = "Only processes in this cgroup v2 directory itself, not in cgroups below it", HelpName = "PATH" };
        var uid = new Option<uint?>("--uid", "-u") { Description = "Only this real user id", HelpName = "UID" };
        var json = new Option<bool>("--json", "-j") { Description = "One JSON object per line" };
        var utc = new Option<bool>("--utc") { Description = "Print TIME in UTC instead of local time" };
        var count = new Option<long?>("--count", "-c") { Description = "Stop after N records", HelpName = "N" };
        var duration = new Option<double?>("--duration", "-d") { Description = "Stop after this many seconds", HelpName = "SECONDS" };
        var btf = new Option<string?>("--btf") { Description = "Kernel BTF from FILE (raw BTF or ELF with .BTF) instead of /sys/kernel/btf/vmlinux", HelpName = "FILE" };
        var explain = new Option<bool>("--explain") { Description = "Narrate the load on stderr, one line per system call" };
        var ringSize = new Option<int?>("--ring-size") { Description = "Ring buffer size in KiB (a power of two, at least 4)", HelpName = "KIB" };

        var root = new RootCommand(Examples) { pid, failed, threads, cgroup, cgroupExact, uid, json, utc, count, duration, btf, explain, ringSize };
        Require(pid, value => value > 0, "--pid must be a positive process id");
        // (uid_t)-1 is no user: the BPF program reads it as "every user".
        Require(uid, value => value != uint.MaxValue, "--uid must be a user id below 4294967295");
        Require(count, value => value > 0, "--count must be positive");
        // The longest delay a CancellationTokenSource takes: uint.MaxValue - 1 milliseconds, about 49.7 days.
        Require(duration, value => value > 0 && value <= MaxDurationSeconds, $"--duration must be positive and at most {MaxDurationSeconds} seconds");
        Require(ringSize, kib => kib >= 4 && (kib & (kib - 1)) == 0 && kib <= 1 << 20,
            "--ring-size must be a power of two between 4 and 1048576 KiB");

        root.Validators.Add(result =>
        {
            if (result.GetResult(cgroup) is not null && result.GetResult(cgroupExact) is not null)
                result.AddError("--cgroup and --cgroup-exact exclude each other: give one");
        });

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Console.Error.WriteLine($"rawexitsnoop: {error.Message}");
            Console.Error.WriteLine("Usage: rawexitsnoop [options]; see rawexitsnoop --help");
            return RawBpf.Cli.Common.ExitCodes.Usage;
        }

        root.SetAction(async (result, cancellation) =>
        {
            var options = new ExitSnoopOptions
            {
                Pid = result.GetValue(pid),
                FailedOnly = result.GetValue(failed),
                Threads = result.GetValue(threads),
                CgroupPath = result.GetValue(cgroup) ?? result.GetValue(cgroupExact),
                CgroupExact = result.GetValue(cgroupExact) is not null,
                Uid = result.GetValue(uid),
                Json = result.GetValue(json),
                Utc = result.GetValue(utc),
                Count = result.GetValue(count),
                Duration = result.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                BtfPath = result.GetValue(btf),
                Explain = result.GetValue(explain),
                RingSizeKib = result.GetValue(ringSize),
            };
            // SIGHUP (a closed terminal) ends the trace like SIGINT and SIGTERM, which System.CommandLine handles.
            using var hangup = new CancellationTokenSource();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, hangup.Token);
            using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                hangup.Cancel();
            });
            return await ExitSnoop.RunAsync(options, kernelBtf, linked.Token).ConfigureAwait(false);
        });
        return await parse.InvokeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a range check that only looks at values that parsed: for a token such as `-p abc` asking for the value
    /// throws (System.CommandLine validates before it records the conversion error, which it then reports).
    /// </summary>
    private static void Require<T>(Option<T?> option, Func<T, bool> isValid, string message) where T : struct
    {
        option.Validators.Add(result =>
        {
            T? value;
            try
            {
                value = result.GetValueOrDefault<T?>();
            }
            catch (InvalidOperationException)
            {
                return; // not a number at all: the parser reports that token itself
            }
            if (value is { } parsed && !isValid(parsed))
                result.AddError(message);
        });
    }
}
