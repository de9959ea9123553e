using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

using static RawBpf.BtfCore.BpfAssembler;
using static RawBpf.Uapi.BpfOpcode;

namespace RawBpf.Loader.Tests;

public class ProgramTests
{
    [Fact]
    public void ReturnZeroLoads()
    {
        using var program = BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter, Name = "return_zero" }, TestPrograms.ReturnZero);
        var info = program.GetInfo();
        Assert.Equal(BpfProgramType.SocketFilter, info.Type);
        Assert.Equal("return_zero", info.Name);
        Assert.Equal(16u, info.XlatedLength);
        Assert.Equal(16, info.Tag.Length);
        Assert.True(info.GplCompatible);
        Assert.Null(program.VerifierLog); // no log asked for, none made
        Assert.NotNull(BpfObjectIds.TryOpenProgram(info.Id));
    }

    [Fact]
    public void LongProgramNamesAreTruncated()
    {
        using var program = BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter, Name = "handle_sched_process_exit" }, TestPrograms.ReturnZero);
        Assert.Equal("handle_sched_pr", program.Name);
        Assert.Equal("handle_sched_pr", program.GetInfo().Name);
    }

    [Fact]
    public void AnUninitialisedRegisterIsRejectedWithTheVerifierLog()
    {
        // r0 = r2; exit — r2 was never written.
        var error = Assert.Throws<BpfProgramLoadException>(() => BpfProgram.Load(
            new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter, Name = "bad" },
            [Mov64Register(0, 2), Exit()]));
        Assert.Equal(Errno.EACCES, error.Errno);
        Assert.Equal("bad", error.ProgramName);
        Assert.Contains("R2 !read_ok", error.LogTail, StringComparison.Ordinal);
        Assert.Contains("R2 !read_ok", error.Log, StringComparison.Ordinal);
        Assert.Contains("R2 !read_ok", error.Message, StringComparison.Ordinal);
        Assert.False(error.LogTruncated);
        Assert.True(error.LogTail.Split('\n').Length <= 20);
    }

    [Fact]
    public void ALogThatDoesNotFitTheCapIsReportedTruncatedWithTheOriginalErrno()
    {
        var error = Assert.Throws<BpfProgramLoadException>(() => BpfProgram.Load(
            new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter, Name = "bad", MaxLogSize = 64 },
            [Mov64(1, 1), Mov64(3, 3), Mov64(4, 4), Mov64Register(0, 2), Exit()]));
        Assert.Equal(Errno.EACCES, error.Errno);
        Assert.True(error.LogTruncated);
    }

    [Fact]
    public void ARequestedLogIsKeptOnSuccess()
    {
        using var program = BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter, Name = "logged", LogLevel = 2 }, TestPrograms.ReturnZero);
        Assert.NotNull(program.VerifierLog);
        Assert.Contains("processed 2 insns", program.VerifierLog, StringComparison.Ordinal);
    }

    [Fact]
    public void ALogLargerThanTheFirstBufferGrowsUntilItFits()
    {
        // 4000 instructions at log level 2 log far more than the initial 64 KiB: the first logged attempt ends in
        // ENOSPC and the buffer grows (to log_true_size on 6.4+) until the whole log fits and the load succeeds.
        var instructions = new BpfInstruction[4001];
        for (var i = 0; i < 4000; i++)
        {
            instructions[i] = Mov64(0, i);
        }

        instructions[4000] = Exit();
        var attempts = new List<SyscallEvent>();
        BpfProgram program;
        using (SyscallTrace.Subscribe(e => attempts.Add(e)))
        {
            program = BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter, Name = "big_log", LogLevel = 2 }, instructions);
        }

        using var loaded = program;
        Assert.Contains(attempts, e => e.Errno == Uapi.Errno.ENOSPC && e.Arguments.Contains("log_size=65536", StringComparison.Ordinal));
        Assert.False(attempts[^1].Failed);
        Assert.True(program.VerifierLog!.Length > LogRetry.InitialLogSize);
        Assert.Contains("processed 4001 insns", program.VerifierLog, StringComparison.Ordinal);
        Assert.StartsWith("func#0 @0", program.VerifierLog, StringComparison.Ordinal);
    }

    [Fact]
    public void InstructionsMustBeWholeBpfInsns()
    {
        Assert.Throws<ArgumentException>(() => BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter }, new byte[12]));
        Assert.Throws<ArgumentException>(() => BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter }, ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void AProgramUsingAMapLoadsAndThePinRoundTrips()
    {
        using var counters = TestPrograms.CreateCounterMap();
        using var program = TestPrograms.LoadTracepoint(TestPrograms.Counter(counters), "counter");
        Assert.Equal(1u, program.GetInfo().MapCount);

        BpfFs.EnsureMounted();
        var path = $"/sys/fs/bpf/rawbpf_prog_{Environment.ProcessId}";
        program.Pin(path);
        try
        {
            using var again = BpfProgram.OpenPinned(path);
            Assert.Equal(program.GetInfo().Id, again.GetInfo().Id);
            Assert.Equal(BpfProgramType.Tracepoint, again.Type);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
