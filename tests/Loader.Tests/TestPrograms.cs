using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

using static RawBpf.BtfCore.BpfAssembler;
using static RawBpf.Uapi.BpfOpcode;

namespace RawBpf.Loader.Tests;

/// <summary>Hand-assembled programs and the maps they use.</summary>
internal static class TestPrograms
{
    public const int HelperMapLookupElem = 1;          // BPF_FUNC_map_lookup_elem
    public const int HelperGetCurrentPidTgid = 14;     // BPF_FUNC_get_current_pid_tgid
    public const int HelperPerfEventOutput = 25;       // BPF_FUNC_perf_event_output
    public const int HelperRingbufOutput = 130;        // BPF_FUNC_ringbuf_output
    public const int HelperRingbufReserve = 131;       // BPF_FUNC_ringbuf_reserve
    public const int HelperRingbufSubmit = 132;        // BPF_FUNC_ringbuf_submit
    public const int HelperRingbufDiscard = 133;       // BPF_FUNC_ringbuf_discard

    /// <summary>Largest payload the producer programs emit.</summary>
    public const int MaxPayload = 256;

    /// <summary>Control value: u32 mode @0, u32 size @4, u64 spare @8, payload @16.</summary>
    public const int ControlValueSize = 16 + MaxPayload;

    public const uint ModeOutput = 0;
    public const uint ModeReserveDiscard = 1;
    public const uint ModeReserveSubmit = 2;

    /// <summary>r0 = 0; exit.</summary>
    public static BpfInstruction[] ReturnZero => [Mov64(0, 0), Exit()];

    /// <summary>Any type: array[0] += 1 (atomically), then return 0.</summary>
    public static BpfInstruction[] Counter(BpfMap counters) =>
        new Asm()
            .LookupKeyZero(counters, "out")
            .Emit(Mov64(1, 1))
            .Emit(AtomicAdd64(0, 0, 1))
            .Label("out")
            .Emit(Mov64(0, 0))
            .Emit(Exit())
            .Build();

    public static BpfMap CreateCounterMap() =>
        BpfMap.Create(new BpfMapCreateOptions { Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 1, Name = "counter" });

    public static ulong ReadCounter(BpfMap counters) => counters.TryLookup<uint, ulong>(0, out var value) ? value : 0;

    /// <summary>Emits "return unless the current thread is tgid/tid" (the test thread): r0 is clobbered.</summary>
    private static Asm OnlyThread(this Asm asm, int tgid, int tid) =>
        asm.Emit(Call(HelperGetCurrentPidTgid))
            .Emit(Mov64Register(1, 0))
            .Emit(Alu64(AluRsh, 1, 32))
            .JumpIf(JumpNe, 1, tgid, "out")
            .Emit(Alu64(AluLsh, 0, 32))
            .Emit(Alu64(AluRsh, 0, 32))
            .JumpIf(JumpNe, 0, tid, "out");

    /// <summary>
    /// Tracepoint program for the ring buffer tests, run by the given thread's getpid(): reads control[0] and
    /// emits its payload by bpf_ringbuf_output (mode 0, size bytes), or reserves 16 bytes and discards them
    /// (mode 1), or reserves 16 bytes, copies the first 16 payload bytes and submits (mode 2). Failed outputs
    /// and reservations count in drops[0].
    /// </summary>
    public static BpfInstruction[] RingProducer(BpfMap control, BpfMap ring, BpfMap drops, int tgid, int tid) =>
        new Asm()
            .OnlyThread(tgid, tid)
            .LookupKeyZero(control, "out")
            .Emit(Mov64Register(6, 0))
            .Emit(Load(SizeW, 7, 6, 0))
            .Emit(Load(SizeW, 8, 6, 4))
            .JumpIf(JumpEq, 7, (int)ModeReserveDiscard, "discard")
            .JumpIf(JumpEq, 7, (int)ModeReserveSubmit, "submit")
            .JumpIf(JumpGt, 8, MaxPayload, "out")
            .LoadMap(1, ring)
            .Emit(Mov64Register(2, 6))
            .Emit(Alu64(AluAdd, 2, 16))
            .Emit(Mov64Register(3, 8))
            .Emit(Mov64(4, 0))
            .Emit(Call(HelperRingbufOutput))
            .JumpIf(JumpEq, 0, 0, "out")
            .Label("drop")
            .LookupKeyZero(drops, "out")
            .Emit(Mov64(1, 1))
            .Emit(AtomicAdd64(0, 0, 1))
            .Goto("out")
            .Label("discard")
            .LoadMap(1, ring)
            .Emit(Mov64(2, 16))
            .Emit(Mov64(3, 0))
            .Emit(Call(HelperRingbufReserve))
            .JumpIf(JumpEq, 0, 0, "drop")
            .Emit(Mov64Register(1, 0))
            .Emit(Mov64(2, 0))
            .Emit(Call(HelperRingbufDiscard))
            .Goto("out")
            .Label("submit")
            .LoadMap(1, ring)
            .Emit(Mov64(2, 16))
            .Emit(Mov64(3, 0))
            .Emit(Call(HelperRingbufReserve))
            .JumpIf(JumpEq, 0, 0, "drop")
            .Emit(Load(SizeDw, 1, 6, 16))
            .Emit(Store(SizeDw, 0, 0, 1))
            .Emit(Load(SizeDw, 1, 6, 24))
            .Emit(Store(SizeDw, 0, 8, 1))
            .Emit(Mov64Register(1, 0))
            .Emit(Mov64(2, 0))
            .Emit(Call(HelperRingbufSubmit))
            .Label("out")
            .Emit(Mov64(0, 0))
            .Emit(Exit())
            .Build();

    /// <summary>
    /// Tracepoint program for the perf buffer tests: bpf_perf_event_output(ctx, events, BPF_F_CURRENT_CPU,
    /// control.payload, control.size) for the given thread's getpid().
    /// </summary>
    public static BpfInstruction[] PerfProducer(BpfMap control, BpfMap events, int tgid, int tid) =>
        new Asm()
            .Emit(Mov64Register(9, 1))
            .OnlyThread(tgid, tid)
            .LookupKeyZero(control, "out")
            .Emit(Mov64Register(6, 0))
            .Emit(Load(SizeW, 5, 6, 4))
            .JumpIf(JumpGt, 5, MaxPayload, "out")
            .Emit(Mov64Register(1, 9))
            .LoadMap(2, events)
            // w3 = -1: a 32-bit mov zero-extends, giving BPF_F_CURRENT_CPU (0xffffffff), not all ones.
            .Emit(new BpfInstruction(ClassAlu | AluMov | SourceK, 3, 0, 0, -1))
            .Emit(Mov64Register(4, 6))
            .Emit(Alu64(AluAdd, 4, 16))
            .Emit(Call(HelperPerfEventOutput))
            .Label("out")
            .Emit(Mov64(0, 0))
            .Emit(Exit())
            .Build();

    public static BpfProgram LoadTracepoint(BpfInstruction[] instructions, string name) =>
        BpfProgram.Load(new BpfProgramLoadOptions { Type = BpfProgramType.Tracepoint, Name = name }, instructions);
}
