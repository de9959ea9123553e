using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Programs;

namespace RawBpf.Loader.Tests;

/// <summary>BPF_PROG_TEST_RUN for raw_tp programs (5.10+): runs the program once in the calling thread, no context.</summary>
internal static unsafe class TestRun
{
    private const long BpfProgTestRun = 10; // BPF_PROG_TEST_RUN in enum bpf_cmd

    /// <summary>The <c>test</c> member of union bpf_attr (include/uapi/linux/bpf.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TestRunAttr
    {
        public uint ProgFd;
        public uint Retval;
        public uint DataSizeIn;
        public uint DataSizeOut;
        public ulong DataIn;
        public ulong DataOut;
        public uint Repeat;
        public uint Duration;
        public uint CtxSizeIn;
        public uint CtxSizeOut;
        public ulong CtxIn;
        public ulong CtxOut;
        public uint Flags;
        public uint Cpu;
        public uint BatchSize;
        public uint Padding;
    }

    /// <summary>Runs <paramref name="program"/> once and returns its return value.</summary>
    public static uint Run(BpfProgram program) => Run(program, []);

    /// <summary>Runs <paramref name="program"/> once on <paramref name="packet"/> (data_in: XDP, tc, socket filters).</summary>
    public static uint Run(BpfProgram program, ReadOnlySpan<byte> packet)
    {
        fixed (byte* data = packet)
            return Run(program, new TestRunAttr { ProgFd = (uint)program.Fd.RawFd, DataIn = (ulong)data, DataSizeIn = (uint)packet.Length });
    }

    private static uint Run(BpfProgram program, TestRunAttr attr)
    {
        var result = Libc.syscall(ArchitectureAbi.Current.BpfSyscall, BpfProgTestRun, &attr, sizeof(TestRunAttr));
        if (result < 0)
            throw new InvalidOperationException($"BPF_PROG_TEST_RUN of {program.Name} failed: errno {Marshal.GetLastPInvokeError()}");
        return attr.Retval;
    }
}
