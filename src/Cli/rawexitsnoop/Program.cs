using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using RawBpf.Cli.Common;

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

        Without a filter option every exit is reported: an absent --pid, --uid or --cgroup (or --pid 0) means all.

        Exit status: 0 when it stops (--count, --duration, SIGINT, SIGTERM, SIGHUP, or a closed stdout such as
        `| head`); 1 on an error, with one line on stderr; 2 on a bad command line.
        """;

    private const double MaxDurationSeconds = (uint.MaxValue - 1) / 1000;
    private const int MaxRingSizeKib = 1 << 20;

    private static int Main(string[] args)
    {
        CliRunner.Prepare();
        var pid = new Option<int?>("--pid", "-p")
        {
            Description = "Only this process id, filtered in the kernel (absent or 0: every process)",
            HelpName = "PID",
            CustomParser = Parse<int>(static (text, out value) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value), "is not a process id"),
        };
        var failed = new Option<bool>("--failed", "-x") { Description = "Only exits with a non-zero code or a signal" };
        var threads = new Option<bool>("--threads", "-T") { Description = "One record per thread exit (adds a TID column)" };
        var cgroup = new Option<string?>("--cgroup") { Description = "Only processes in this cgroup v2 directory or any cgroup below it", HelpName = "PATH" };
        var cgroupExact = new Option<string?>("--cgroup-exact") { Description = "Only processes in this cgroup v2 directory itself, not in cgroups below it", HelpName = "PATH" };
        var uid = new Option<uint?>("--uid", "-u")
        {
            Description = "Only this real user id (absent: every user)",
            HelpName = "UID",
            // (uid_t)-1 is no user: the BPF program reads it as "every user".
            CustomParser = Parse<uint>(static (text, out value) => uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value != uint.MaxValue,
                "is not a user id (0 to 4294967294)"),
        };
        var json = new Option<bool>("--json", "-j") { Description = "One JSON object per line" };
        var utc = new Option<bool>("--utc") { Description = "Print TIME in UTC instead of local time" };
        var count = new Option<long?>("--count", "-c")
        {
            Description = "Stop after N records (absent: no limit)",
            HelpName = "N",
            CustomParser = Parse<long>(static (text, out value) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0,
                "is not a positive count"),
        };
        var duration = new Option<double?>("--duration", "-d")
        {
            Description = "Stop after this many seconds (absent: until stopped)",
            HelpName = "SECONDS",
            // The longest delay a CancellationTokenSource takes: uint.MaxValue - 1 milliseconds, about 49.7 days.
            CustomParser = Parse<double>(static (text, out value) => double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value)
                && value > 0 && value <= MaxDurationSeconds, $"is not a number of seconds above 0 and at most {MaxDurationSeconds}"),
        };
        var btf = new Option<string?>("--btf") { Description = "Kernel BTF from FILE (raw BTF or ELF with .BTF) instead of /sys/kernel/btf/vmlinux", HelpName = "FILE" };
        var explain = new Option<bool>("--explain") { Description = "Narrate the load on stderr, one line per system call" };
        var ringSize = new Option<int?>("--ring-size")
        {
            Description = "Ring buffer size in KiB (a power of two, at least 4; default 256)",
            HelpName = "KIB",
            CustomParser = Parse<int>(static (text, out kib) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out kib)
                && kib >= 4 && kib <= MaxRingSizeKib && (kib & (kib - 1)) == 0, $"is not a power of two from 4 to {MaxRingSizeKib} (KiB)"),
        };

        var root = new RootCommand(Examples) { pid, failed, threads, cgroup, cgroupExact, uid, json, utc, count, duration, btf, explain, ringSize };
        root.Validators.Add(result =>
        {
            if (result.GetResult(cgroup) is not null && result.GetResult(cgroupExact) is not null)
                result.AddError("--cgroup and --cgroup-exact exclude each other: give one");
        });
        root.SetAction(result =>
        {
            var options = new ExitSnoopOptions
            {
                Pid = result.GetValue(pid) is > 0 and var target ? target : null,
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
            var stop = StopSignals.Listen();
            return ExitSnoop.Run(options, KernelBtfPreload.Start(options.BtfPath), stop);
        });
        return CliRunner.Run(root, args);
    }

    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>
    /// A value parser that words a bad value as a Unix tool does (`--pid: 'abc' is not a process id`) instead of
    /// System.CommandLine's message, which names the .NET type it tried.
    /// </summary>
    private static Func<ArgumentResult, T?> Parse<T>(TryParse<T> tryParse, string notValid) where T : struct => result =>
    {
        if (result.Tokens.Count == 0)
            return null; // no value at all: the parser says so itself
        var text = result.Tokens[0].Value;
        if (tryParse(text, out var value))
            return value;
        var option = (result.Parent as OptionResult)?.Option.Name;
        result.AddError($"{option}: '{text}' {notValid}");
        return null;
    };
}
