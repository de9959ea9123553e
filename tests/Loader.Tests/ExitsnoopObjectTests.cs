using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using RawBpf.Loader.Links;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Readers;

namespace RawBpf.Loader.Tests;

/// <summary>
/// bpf/exitsnoop.bpf.o loaded through BpfObject with each const volatile filter set, watching real children
/// exit. A "must not be reported" check always waits for a later exit that must be reported: records are
/// reserved in exit order, so by the time that one is read, the earlier one would have been too.
/// </summary>
public class ExitsnoopObjectTests
{
    private const uint FlagProcess = 0x1; // EXITSNOOP_FLAG_PROCESS
    private const int Nobody = 65534;
    private const string TracepointEntry = "handle_exit";
    private const string RawTracepointEntry = "handle_exit_raw";

    /// <summary>The fields of struct exitsnoop_event (bpf/include/exitsnoop.h) the tests look at.</summary>
    private readonly record struct ExitRecord(uint Pid, uint Tid, uint Ppid, uint Uid, int ExitCode, uint Flags, string Comm)
    {
        public static ExitRecord Parse(ReadOnlySpan<byte> record)
        {
            Assert.Equal(80, record.Length);
            var comm = record.Slice(64, 16);
            var end = comm.IndexOf((byte)0);
            return new ExitRecord(
                BinaryPrimitives.ReadUInt32LittleEndian(record[32..]),
                BinaryPrimitives.ReadUInt32LittleEndian(record[36..]),
                BinaryPrimitives.ReadUInt32LittleEndian(record[40..]),
                BinaryPrimitives.ReadUInt32LittleEndian(record[44..]),
                BinaryPrimitives.ReadInt32LittleEndian(record[48..]),
                BinaryPrimitives.ReadUInt32LittleEndian(record[56..]),
                Encoding.UTF8.GetString(end < 0 ? comm : comm[..end]));
        }
    }

    private sealed class Session : IDisposable
    {
        private readonly BpfObject _object;
        private readonly RingBuffer _ring;

        /// <summary>Loads only <paramref name="entry"/> of the object's two entry points (tp/ and raw_tp/) and attaches it.</summary>
        public Session(Action<BpfObject> configure, string entry = TracepointEntry)
        {
            _object = ObjectTestSupport.OpenExitsnoop();
            configure(_object);
            _object.SetAutoload(entry == TracepointEntry ? RawTracepointEntry : TracepointEntry, false);
            _object.Load();
            Link = _object.Attach(entry);
            _ring = new RingBuffer(_object.GetMap("events"));
        }

        public BpfLink Link { get; }

        public IEnumerable<string> LoadedPrograms => _object.Programs.Keys;

        public List<ExitRecord> Seen { get; } = [];

        public ulong Lost => ObjectTestSupport.SumPerCpu(_object.GetMap("lost"));

        /// <summary>Reads records until one matches (returned) or 10 s pass (fails).</summary>
        public ExitRecord WaitFor(Func<ExitRecord, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            var next = 0;
            while (true)
            {
                for (; next < Seen.Count; next++)
                {
                    if (match(Seen[next]))
                        return Seen[next];
                }
                Assert.True(DateTime.UtcNow < deadline, "the expected exit was not reported within 10 s");
                _ring.WaitForData(100);
                ReadAvailable();
            }
        }

        public void ReadAvailable()
        {
            while (_ring.TryRead(out var record))
                Seen.Add(ExitRecord.Parse(record));
            _ring.Commit();
        }

        public void Dispose()
        {
            _ring.Dispose();
            _object.Dispose();
        }
    }

    private static Process Run(string script, bool asNobody = false)
    {
        var start = asNobody
            ? new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c", script])
            : new ProcessStartInfo("/bin/sh", ["-c", script]);
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        return Process.Start(start)!;
    }

    private static int RunToExit(string script, bool asNobody = false)
    {
        using var child = Run(script, asNobody);
        child.StandardInput.Close();
        child.WaitForExit();
        return child.Id;
    }

    [Fact]
    public void WithoutFiltersEveryProcessExitIsReportedWithItsStatus()
    {
        using var session = new Session(_ => { });
        var normal = RunToExit("exit 3");
        var killed = RunToExit("kill -9 $$");

        var first = session.WaitFor(r => r.Pid == normal);
        Assert.Equal(3, (first.ExitCode >> 8) & 0xff);
        Assert.Equal(0, first.ExitCode & 0x7f);
        Assert.Equal((uint)Environment.ProcessId, first.Ppid);
        Assert.Equal(0u, first.Uid);
        Assert.Equal("sh", first.Comm);
        Assert.NotEqual(0u, first.Flags & FlagProcess);
        Assert.Equal(9, session.WaitFor(r => r.Pid == killed).ExitCode & 0x7f); // SIGKILL
    }

    [Fact]
    public void RawTracepointEntryAloneReportsEachProcessOnceWithItsStatus()
    {
        using var session = new Session(_ => { }, RawTracepointEntry);
        Assert.Equal([RawTracepointEntry], session.LoadedPrograms);
        Assert.Equal(BpfAttachMethod.RawTracepointOpen, session.Link.Method);
        // group_dead comes from the raw tracepoint's second argument here (6.18); multi-threaded exits on this
        // path are in rawexitsnoop's tests and the kernel matrix.
        var exited = RunToExit("exit 4");
        var killed = RunToExit("kill -9 $$");

        var record = session.WaitFor(r => r.Pid == exited);
        Assert.Equal(4, (record.ExitCode >> 8) & 0xff);
        Assert.NotEqual(0u, record.Flags & FlagProcess);
        Assert.Equal(9, session.WaitFor(r => r.Pid == killed).ExitCode & 0x7f);
        Assert.Single(session.Seen, r => r.Pid == exited);
    }

    [Fact]
    public void TargetPidReportsOnlyThatProcess()
    {
        using var target = Run("read line; exit 6");
        using var session = new Session(o => o.SetVariable("target_pid", (uint)target.Id));
        var other = RunToExit("exit 5");
        target.StandardInput.Close();
        target.WaitForExit();

        var record = session.WaitFor(r => r.Pid == target.Id);
        Assert.Equal(6, (record.ExitCode >> 8) & 0xff);
        Assert.All(session.Seen, r => Assert.Equal((uint)target.Id, r.Pid));
        Assert.DoesNotContain(session.Seen, r => r.Pid == other);
    }

    [Fact]
    public void FailedOnlySkipsSuccessfulExits()
    {
        using var session = new Session(o => o.SetVariable("failed_only", true));
        var succeeded = RunToExit("exit 0");
        var failed = RunToExit("exit 3");
        var killed = RunToExit("kill -TERM $$");

        Assert.Equal(3, (session.WaitFor(r => r.Pid == failed).ExitCode >> 8) & 0xff);
        Assert.Equal(15, session.WaitFor(r => r.Pid == killed).ExitCode & 0x7f);
        Assert.DoesNotContain(session.Seen, r => r.Pid == succeeded);
        Assert.All(session.Seen, r => Assert.NotEqual(0, r.ExitCode));
    }

    [Fact]
    public void TraceThreadsReportsAThreadOfThisProcess()
    {
        var self = (uint)Environment.ProcessId;
        using var withoutThreads = new Session(o => o.SetVariable("target_pid", self));
        using var withThreads = new Session(o =>
        {
            o.SetVariable("target_pid", self);
            o.SetVariable("trace_threads", true);
        });

        var tid = 0;
        var thread = new Thread(() => tid = TestLibc.gettid()) { Name = "exiting" };
        thread.Start();
        thread.Join();

        var record = withThreads.WaitFor(r => r.Tid == tid);
        Assert.Equal(self, record.Pid);
        Assert.Equal(0u, record.Flags & FlagProcess); // a thread, not the process
        // The per-process session saw nothing: this process is still running.
        withoutThreads.ReadAvailable();
        Assert.Empty(withoutThreads.Seen);
    }

    [Fact]
    public void TargetUidReportsOnlyThatUsersProcesses()
    {
        using var session = new Session(o => o.SetVariable("target_uid", (uint)Nobody));
        var asRoot = RunToExit("exit 1");
        var asNobody = RunToExit("exit 2", asNobody: true);

        var record = session.WaitFor(r => r.Pid == asNobody);
        Assert.Equal((uint)Nobody, record.Uid);
        Assert.Equal(2, (record.ExitCode >> 8) & 0xff);
        Assert.DoesNotContain(session.Seen, r => r.Pid == asRoot);
        Assert.All(session.Seen, r => Assert.Equal((uint)Nobody, r.Uid));
    }

    [Fact]
    public void ExitsThatDoNotFitAreCountedInLost()
    {
        const int Children = 400;
        using var session = new Session(o =>
        {
            o.SetVariable("target_uid", (uint)Nobody); // only this burst's processes
            o.SetMaxEntries("events", 4096 * 4);
        });

        // One shell as nobody forks Children subshells that exit at once; nothing reads meanwhile.
        // The exit tracepoint runs before the parent is notified, so once the shell is reaped every record of the
        // burst is in the ring or counted.
        RunToExit($"i=0; while [ $i -lt {Children} ]; do (exit 3) & i=$((i+1)); done; wait", asNobody: true);
        session.ReadAvailable();

        var lost = session.Lost;
        Assert.True(lost > 0, $"a 16 KiB ring took all {session.Seen.Count} records");
        Assert.True(session.Seen.Count <= 16384 / 88, $"{session.Seen.Count} records of 88 bytes in 16 KiB");
        // Every exit of the burst (the children and the shell) was either delivered or counted.
        Assert.Equal(Children + 1, session.Seen.Count + (int)lost);
    }
}
