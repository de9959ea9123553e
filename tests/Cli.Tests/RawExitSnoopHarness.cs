using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using RawBpf.Tests.Shared;

namespace RawBpf.Cli.Tests;

/// <summary>
/// The end-to-end tests of the published rawexitsnoop run one at a time and alone: they count the tool's
/// programs and generate bursts of exits, which a parallel test would disturb.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RawExitSnoopCollection
{
    public const string Name = "rawexitsnoop end to end";
}

internal static class RawExitSnoopBinary
{
    public static string Path => RepoPaths.PublishedTool("rawexitsnoop");

    /// <summary>A copy anyone can execute, for runs as uid 65534: the repository may sit in a directory that user cannot enter.</summary>
    public static AnyoneCopy CopyForAnyone() => new();

    internal sealed class AnyoneCopy : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("rawexitsnoop-anyone-");

        public AnyoneCopy()
        {
            Path = System.IO.Path.Combine(_directory.FullName, "rawexitsnoop");
            File.Copy(RawExitSnoopBinary.Path, Path);
            ExternalTool.RunChecked("chmod", "755", _directory.FullName, Path);
        }

        public string Path { get; }

        public void Dispose() => _directory.Delete(recursive: true);
    }
}

internal static class RawbpfBinary
{
    public static string Path => RepoPaths.PublishedTool("rawbpf");
}

/// <summary>Generous limits only: they bound a hang, they do not measure anything.</summary>
internal static class Limits
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
}

/// <summary>One line of the tool's stdout, as raw bytes (split on '\n' only) and as UTF-8 text.</summary>
internal sealed record OutputLine(byte[] Bytes)
{
    public string Text { get; } = Encoding.UTF8.GetString(Bytes);
}

/// <summary>A row of the table: TIME PID [TID] PPID EXIT_CODE DURATION_NS COMM.</summary>
internal sealed partial record TableRow(string Time, int Pid, int? Tid, int Ppid, string ExitCode, ulong DurationNs, string Comm)
{
    [GeneratedRegex(@"^(\d\d:\d\d:\d\d\.\d{3}) +(\d+) +(\d+) +(\d+|SIG[A-Z0-9+]+(?: \(core dumped\))?) +(\d+) (.*)$")]
    private static partial Regex ProcessRow();

    [GeneratedRegex(@"^(\d\d:\d\d:\d\d\.\d{3}) +(\d+) +(\d+) +(\d+) +(\d+|SIG[A-Z0-9+]+(?: \(core dumped\))?) +(\d+) (.*)$")]
    private static partial Regex ThreadRow();

    public static TableRow? TryParse(string line, bool threads)
    {
        var match = (threads ? ThreadRow() : ProcessRow()).Match(line);
        if (!match.Success)
            return null;
        var column = 1;
        string Next() => match.Groups[++column].Value;
        var time = match.Groups[1].Value;
        var pid = int.Parse(Next(), CultureInfo.InvariantCulture);
        int? tid = threads ? int.Parse(Next(), CultureInfo.InvariantCulture) : null;
        var ppid = int.Parse(Next(), CultureInfo.InvariantCulture);
        var exitCode = Next();
        var duration = ulong.Parse(Next(), CultureInfo.InvariantCulture);
        // COMM follows the padded DURATION_NS column; the padding is spaces only.
        return new TableRow(time, pid, tid, ppid, exitCode, duration, Next().TrimStart(' '));
    }
}

/// <summary>
/// A running rawexitsnoop (or a launcher that execs it, keeping the pid): stdout and stderr collected line by
/// line in the background, with waits for the lines a test needs. Disposal kills it if it still runs.
/// </summary>
internal sealed partial class SnoopRun : IDisposable
{
    private readonly Process _process;
    private readonly List<OutputLine> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly object _gate = new();
    private Task? _stdoutPump;
    private readonly Task _stderrPump;
    private bool _stdoutClosed;

    [GeneratedRegex(@"^bpf\(BPF_(LINK_CREATE|RAW_TRACEPOINT_OPEN), .*\) = \d+$")]
    private static partial Regex AttachLine();

    private SnoopRun(Process process, bool readStdout)
    {
        _process = process;
        _stderrPump = StartPump(PumpStderr);
        if (readStdout)
            StartReadingStdout();
    }

    public int Pid => _process.Id;

    /// <summary>Starts the published binary with <paramref name="arguments"/>.</summary>
    public static SnoopRun Start(params string[] arguments) => Launch(RawExitSnoopBinary.Path, arguments, readStdout: true);

    /// <summary>Starts <paramref name="fileName"/>, which must end up exec'ing the tool (env, unshare, ...).</summary>
    public static SnoopRun Launch(string fileName, IEnumerable<string> arguments, bool readStdout)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
        return new SnoopRun(process, readStdout);
    }

    /// <summary>For a test that lets the stdout pipe fill up first.</summary>
    public void StartReadingStdout() => _stdoutPump ??= StartPump(PumpStdout);

    /// <summary>A pump blocks in read() for the tool's lifetime: a thread of its own, not one the thread pool must first grow.</summary>
    private static Task StartPump(Action pump) =>
        Task.Factory.StartNew(pump, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public IReadOnlyList<OutputLine> StdoutLines
    {
        get
        {
            lock (_gate)
                return [.. _stdout];
        }
    }

    public IReadOnlyList<string> StderrLines
    {
        get
        {
            lock (_gate)
                return [.. _stderr];
        }
    }

    public string StderrText => string.Join("\n", StderrLines);

    /// <summary>The table header on stdout: the tool writes it once the program is attached.</summary>
    public string WaitForHeader()
    {
        var header = WaitForStdout(line => line.Text.StartsWith("TIME ", StringComparison.Ordinal), "the table header");
        return header.Text;
    }

    /// <summary>
    /// With --explain: the successful BPF_LINK_CREATE on stderr (the probe before it fails on purpose), or, where
    /// tracefs cannot be read, BPF_RAW_TRACEPOINT_OPEN.
    /// </summary>
    public string WaitForAttachLine() => WaitForStderr(line => AttachLine().IsMatch(line), "the attach line bpf(BPF_LINK_CREATE or BPF_RAW_TRACEPOINT_OPEN, ...) = fd");

    public OutputLine WaitForStdout(Func<OutputLine, bool> predicate, string what)
    {
        var found = WaitFor(() => _stdout.FirstOrDefault(predicate), () => _stdoutClosed);
        return found ?? throw new Xunit.Sdk.XunitException($"rawexitsnoop never printed {what} on stdout.\nstdout:\n{Dump(StdoutLines)}\nstderr:\n{StderrText}\n{Diagnose()}");
    }

    public string WaitForStderr(Func<string, bool> predicate, string what)
    {
        var found = WaitFor(() => _stderr.FirstOrDefault(predicate), () => _stderrPump.IsCompleted);
        return found ?? throw new Xunit.Sdk.XunitException($"rawexitsnoop never printed {what} on stderr.\nstdout:\n{Dump(StdoutLines)}\nstderr:\n{StderrText}\n{Diagnose()}");
    }

    /// <summary>
    /// The JSON record of process <paramref name="pid"/> (process_exit true), a child of this test process,
    /// waiting for it. The parent matters: pid_max may be 32768 and other work on the machine recycles pids fast.
    /// </summary>
    public JsonElement WaitForJsonProcessRecord(int pid)
    {
        var line = WaitForStdout(line => Json.TryParse(line.Text) is { } record && IsOurChild(record, pid)
            && record.GetProperty("process_exit").GetBoolean(), $"a JSON record of pid {pid}");
        return Json.Parse(line.Text);
    }

    /// <summary>The table row of process <paramref name="pid"/>, a child of this test process, waiting for it.</summary>
    public TableRow WaitForRow(int pid, bool threads = false)
    {
        var line = WaitForStdout(line => TableRow.TryParse(line.Text, threads) is { } row && row.Pid == pid && row.Ppid == Environment.ProcessId,
            $"a table row of pid {pid}");
        return TableRow.TryParse(line.Text, threads)!;
    }

    public List<TableRow> RowsOf(int pid, bool threads = false) =>
        [.. StdoutLines.Select(line => TableRow.TryParse(line.Text, threads)).OfType<TableRow>().Where(row => row.Pid == pid && row.Ppid == Environment.ProcessId)];

    /// <summary>Every stdout line as a JSON record; fails on the first line that is not one.</summary>
    public List<JsonElement> JsonRecords() => [.. StdoutLines.Select(line => Json.Parse(line.Text))];

    /// <summary>The records of process <paramref name="pid"/>, a child of this test process.</summary>
    public List<JsonElement> JsonRecordsOf(int pid) => [.. JsonRecords().Where(record => IsOurChild(record, pid))];

    private static bool IsOurChild(JsonElement record, int pid) =>
        record.GetProperty("pid").GetInt32() == pid && record.GetProperty("ppid").GetInt32() == Environment.ProcessId;

    public void Signal(string signal) => ExternalTool.RunChecked("kill", "-s", signal, Pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>Waits for the tool to end by itself and returns its exit code; stdout and stderr are then complete.</summary>
    public int WaitForExit()
    {
        StartReadingStdout();
        if (!_process.WaitForExit(Limits.Wait))
        {
            var diagnosis = Diagnose();
            _process.Kill();
            throw new Xunit.Sdk.XunitException($"rawexitsnoop did not end within {Limits.Wait.TotalSeconds} s.\nstderr:\n{StderrText}\n{diagnosis}");
        }
        _process.WaitForExit();
        Task.WaitAll([_stdoutPump!, _stderrPump], Limits.Wait);
        return _process.ExitCode;
    }

    /// <summary>The BPF program ids the tool holds, read from its descriptors' fdinfo (programs and links).</summary>
    public HashSet<uint> HeldProgramIds()
    {
        var ids = new HashSet<uint>();
        foreach (var fdinfo in Directory.GetFiles($"/proc/{Pid}/fdinfo"))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(fdinfo);
            }
            catch (IOException)
            {
                continue; // a descriptor closed meanwhile
            }
            foreach (var line in lines)
            {
                if (line.StartsWith("prog_id:", StringComparison.Ordinal))
                    ids.Add(uint.Parse(line["prog_id:".Length..].Trim(), CultureInfo.InvariantCulture));
            }
        }
        return ids;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private T? WaitFor<T>(Func<T?> find, Func<bool> finished) where T : class
    {
        var deadline = Stopwatch.StartNew();
        lock (_gate)
        {
            while (true)
            {
                if (find() is { } found)
                    return found;
                if (finished() || deadline.Elapsed > Limits.Wait)
                    return null;
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(200));
            }
        }
    }

    private void PumpStdout()
    {
        var stream = _process.StandardOutput.BaseStream;
        var pending = new List<byte>();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    pending.Add(buffer[i]);
                    continue;
                }
                lock (_gate)
                {
                    _stdout.Add(new OutputLine([.. pending]));
                    Monitor.PulseAll(_gate);
                }
                pending.Clear();
            }
        }
        lock (_gate)
        {
            if (pending.Count > 0)
                _stdout.Add(new OutputLine([.. pending])); // an unterminated last line is kept, for the tests to see
            _stdoutClosed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void PumpStderr()
    {
        while (_process.StandardError.ReadLine() is { } line)
        {
            lock (_gate)
            {
                _stderr.Add(line);
                Monitor.PulseAll(_gate);
            }
        }
        lock (_gate)
            Monitor.PulseAll(_gate);
    }

    /// <summary>
    /// Where a silent tool stands, for a failure message: its state and each thread's kernel wait, and whether
    /// this side's line pumps ran at all.
    /// </summary>
    private string Diagnose()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"pumps: stdout {(_stdoutPump is null ? "not started" : _stdoutPump.Status.ToString())}, stderr {_stderrPump.Status}; ");
        text.Append(CultureInfo.InvariantCulture, $"thread pool: {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} pending\n");
        try
        {
            if (_process.HasExited)
                return text.Append(CultureInfo.InvariantCulture, $"process {Pid} exited with {_process.ExitCode}").ToString();
            foreach (var line in File.ReadAllLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("State:", StringComparison.Ordinal) || line.StartsWith("SigBlk:", StringComparison.Ordinal) || line.StartsWith("SigPnd:", StringComparison.Ordinal) || line.StartsWith("ShdPnd:", StringComparison.Ordinal))
                    text.Append(line).Append('\n');
            }
            foreach (var task in Directory.GetDirectories($"/proc/{Pid}/task"))
            {
                text.Append(CultureInfo.InvariantCulture, $"thread {System.IO.Path.GetFileName(task)} {File.ReadAllText($"{task}/comm").Trim()} wchan={File.ReadAllText($"{task}/wchan")} syscall={File.ReadAllText($"{task}/syscall").Trim()}\n");
                text.Append(File.ReadAllText($"{task}/stack"));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            text.Append(CultureInfo.InvariantCulture, $"(diagnosis cut short: {e.Message})");
        }
        return text.ToString();
    }

    private static string Dump(IEnumerable<OutputLine> lines) => string.Join("\n", lines.Select(line => line.Text));
}

internal static class Json
{
    public static JsonElement Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    public static JsonElement? TryParse(string line)
    {
        try
        {
            return Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Short-lived processes for the tool to see: started, waited for, their pid and status returned.</summary>
internal static class Child
{
    public sealed record Exit(int Pid, int ExitCode);

    public static Exit Run(string fileName, params string[] arguments) => RunIn(null, fileName, arguments);

    public static Exit RunIn(string? workingDirectory, string fileName, params string[] arguments)
    {
        using var process = Start(workingDirectory, fileName, arguments);
        if (!process.WaitForExit(Limits.Wait))
        {
            process.Kill();
            throw new Xunit.Sdk.XunitException($"{fileName} {string.Join(' ', arguments)} did not end");
        }
        process.WaitForExit();
        return new Exit(process.Id, process.ExitCode);
    }

    public static Process Start(string? workingDirectory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false, WorkingDirectory = workingDirectory ?? "/" };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
    }

    /// <summary>`sh -c 'exit N'`: dash runs exit as a builtin, so the process is the shell itself.</summary>
    public static Exit ExitWith(int code) => Run("/bin/sh", "-c", $"exit {code}");
}

/// <summary>
/// Exits that keep coming while a test waits for a tool that needs some (`--count N`): `sh -c 'exit 0'` every
/// 20 ms on a thread of its own until disposed.
/// </summary>
internal sealed class ExitsFlowing : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public ExitsFlowing()
    {
        _thread = new Thread(() =>
        {
            while (!_stop.Token.WaitHandle.WaitOne(20))
                Child.ExitWith(0);
        })
        { IsBackground = true, Name = "exits flowing" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}

/// <summary>The C helpers in tests/procs, compiled with gcc once per test run into a temporary directory.</summary>
internal static class TestPrograms
{
    private static readonly Lazy<string> Directory = new(() => System.IO.Directory.CreateTempSubdirectory("rawexitsnoop-procs-").FullName);
    private static readonly Dictionary<string, string> Built = [];

    public static string Get(string name)
    {
        lock (Built)
        {
            if (Built.TryGetValue(name, out var existing))
                return existing;
            var source = Path.Combine(RepoPaths.Root, "tests", "procs", name + ".c");
            var binary = Path.Combine(Directory.Value, name);
            ExternalTool.RunChecked("gcc", "-O1", "-Wall", "-pthread", "-o", binary, source);
            // Readable and executable by anyone: some tests run these as uid 65534.
            ExternalTool.RunChecked("chmod", "755", Directory.Value);
            Built[name] = binary;
            return binary;
        }
    }
}

/// <summary>bpftool as an oracle: which BPF programs exist.</summary>
internal static class LoadedPrograms
{
    /// <summary>Waits until none of <paramref name="ids"/> is loaded (the kernel frees a program after its last reference).</summary>
    public static void AssertAllGone(IReadOnlyCollection<uint> ids)
    {
        Assert.NotEmpty(ids);
        var deadline = Stopwatch.StartNew();
        HashSet<uint> remaining;
        do
        {
            remaining = [.. ids.Where(IsLoaded)];
            if (remaining.Count == 0)
                return;
            Thread.Sleep(100);
        }
        while (deadline.Elapsed < Limits.Wait);
        Assert.Fail($"BPF programs still loaded after rawexitsnoop ended: ids {string.Join(", ", remaining)}\n{ExternalTool.Run("bpftool", "prog", "show").StandardOutputText}");
    }

    /// <summary>The ids of the programs named handle_exit (rawexitsnoop's) that are loaded now.</summary>
    public static HashSet<uint> HandleExitIds()
    {
        var result = ExternalTool.Run("bpftool", "--json", "prog", "show");
        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(result.StandardOutput);
        return [.. document.RootElement.EnumerateArray()
            .Where(program => program.TryGetProperty("name", out var name) && name.GetString() == "handle_exit")
            .Select(program => program.GetProperty("id").GetUInt32())];
    }

    private static bool IsLoaded(uint id) => ExternalTool.Run("bpftool", "prog", "show", "id", id.ToString(CultureInfo.InvariantCulture)).ExitCode == 0;
}
