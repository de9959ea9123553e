using System.Runtime.InteropServices;
using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Maps;
using RawBpf.Uapi;

namespace RawBpf.Loader.Programs;

/// <summary>A verified, loaded BPF program (BPF_PROG_LOAD).</summary>
public sealed unsafe class BpfProgram : IDisposable
{
    private const int MaxEagainAttempts = 5;

    private BpfProgram(BpfFileDescriptor fd, BpfProgramType type, BpfAttachType expectedAttachType, string name, int instructionCount, string? log)
    {
        Fd = fd;
        Type = type;
        ExpectedAttachType = expectedAttachType;
        Name = name;
        InstructionCount = instructionCount;
        VerifierLog = log;
    }

    public BpfFileDescriptor Fd { get; }

    public BpfProgramType Type { get; }

    public BpfAttachType ExpectedAttachType { get; }

    /// <summary>The name as the kernel stores it.</summary>
    public string Name { get; }

    public int InstructionCount { get; }

    /// <summary>The verifier log, when <see cref="BpfProgramLoadOptions.LogLevel"/> asked for one.</summary>
    public string? VerifierLog { get; }

    /// <summary>Loads <paramref name="instructions"/> (struct bpf_insn array).</summary>
    public static BpfProgram Load(BpfProgramLoadOptions options, ReadOnlySpan<BpfInstruction> instructions) =>
        Load(options, MemoryMarshal.AsBytes(instructions));

    /// <summary>
    /// Loads raw instructions (a multiple of 8 bytes, little endian struct bpf_insn), first without a verifier
    /// log and, after a failure, again with one.
    /// </summary>
    /// <exception cref="BpfProgramLoadException">The verifier (or the kernel) refused the program.</exception>
    public static BpfProgram Load(BpfProgramLoadOptions options, ReadOnlySpan<byte> instructions)
    {
        ArgumentNullException.ThrowIfNull(options);

        // As libbpf does before creating anything: a no-op on memcg-accounted kernels (5.11+).
        MemlockLimit.RaiseIfNeeded();
        if (instructions.IsEmpty || instructions.Length % BpfInstruction.Size != 0)
        {
            throw new ArgumentException($"program \"{options.Name}\": {instructions.Length} bytes of instructions is not a non-zero multiple of 8", nameof(instructions));
        }

        CheckRecords(options.FuncInfo.Length, options.FuncInfoRecordSize, "func_info", options.Name);
        CheckRecords(options.LineInfo.Length, options.LineInfoRecordSize, "line_info", options.Name);

        var template = new ProgLoadAttr
        {
            ProgType = (uint)options.Type,
            InsnCount = (uint)(instructions.Length / BpfInstruction.Size),
            ExpectedAttachType = (uint)options.ExpectedAttachType,
            AttachBtfId = options.AttachBtfId,
            KernVersion = options.KernelVersion,
            ProgFlags = options.Flags,
        };
        AttrText.CopyObjectName(options.Name, template.ProgName);
        var name = AttrText.FixedName(template.ProgName, BpfLimits.ObjectNameLength);
        var license = BpfFs.NullTerminated(options.License);

        var btfLease = new FdLease(options.Btf?.Fd);
        var attachLease = new FdLease(options.AttachBtfObject);
        var fdArray = new int[options.FdArray.Count];
        var fdArrayLeased = LeaseAll(options.FdArray, fdArray);
        try
        {
            fixed (int* fdArrayStart = fdArray)
            fixed (byte* insns = instructions)
            fixed (byte* licenseText = license)
            fixed (byte* funcInfo = options.FuncInfo.Span)
            fixed (byte* lineInfo = options.LineInfo.Span)
            {
                template.Insns = (ulong)insns;
                template.License = (ulong)licenseText;
                template.AttachBtfObjFd = attachLease.Fd;
                template.FdArray = fdArray.Length > 0 ? (ulong)fdArrayStart : 0;
                if (options.Btf is not null)
                {
                    template.ProgBtfFd = btfLease.Fd;
                    if (!options.FuncInfo.IsEmpty)
                    {
                        template.FuncInfo = (ulong)funcInfo;
                        template.FuncInfoRecSize = options.FuncInfoRecordSize;
                        template.FuncInfoCount = (uint)(options.FuncInfo.Length / options.FuncInfoRecordSize);
                    }

                    if (!options.LineInfo.IsEmpty)
                    {
                        template.LineInfo = (ulong)lineInfo;
                        template.LineInfoRecSize = options.LineInfoRecordSize;
                        template.LineInfoCount = (uint)(options.LineInfo.Length / options.LineInfoRecordSize);
                    }
                }

                var outcome = LogRetry.Run(
                    ref template,
                    static (ref ProgLoadAttr attr, byte* log, uint logSize, uint level, out int errno, out uint trueSize) =>
                    {
                        attr.LogBuf = (ulong)log;
                        attr.LogSize = logSize;
                        attr.LogLevel = level;
                        int fd;
                        var attempts = 0;
                        do
                        {
                            // EAGAIN: the verifier was interrupted by a signal (or is asking to be retried); libbpf tries 5 times.
                            fd = BpfSyscall.Invoke(BpfCommand.ProgLoad, ref attr, out errno);
                        }
                        while (fd < 0 && errno == Errno.EAGAIN && ++attempts < MaxEagainAttempts);

                        trueSize = attr.LogTrueSize;
                        return fd;
                    },
                    options.LogLevel,
                    options.MaxLogSize);

                if (outcome.Fd < 0)
                {
                    throw new BpfProgramLoadException(name, options.Type, outcome.Errno, outcome.Log, outcome.LogTruncated);
                }

                return new BpfProgram(BpfSyscall.OwnFd(outcome.Fd), options.Type, options.ExpectedAttachType, name, (int)template.InsnCount, outcome.Log);
            }
        }
        finally
        {
            ReleaseAll(fdArrayLeased);
            attachLease.Dispose();
            btfLease.Dispose();
        }
    }

    /// <summary>Wraps a program fd from elsewhere (BPF_OBJ_GET, BPF_PROG_GET_FD_BY_ID).</summary>
    public static BpfProgram FromFd(BpfFileDescriptor fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        var info = ObjectInfo.GetProgramInfo(fd);
        return new BpfProgram(fd, info.Type, default, info.Name, (int)(info.XlatedLength / BpfInstruction.Size), null);
    }

    /// <summary>Opens a program pinned in bpffs.</summary>
    public static BpfProgram OpenPinned(string path) => FromFd(BpfFs.GetPinned(path));

    /// <summary>BPF_OBJ_GET_INFO_BY_FD.</summary>
    public BpfProgramInformation GetInfo() => ObjectInfo.GetProgramInfo(Fd);

    /// <summary>BPF_OBJ_PIN.</summary>
    public void Pin(string path) => BpfFs.Pin(Fd, path);

    /// <summary>
    /// BPF_PROG_BIND_MAP (5.10): the program holds <paramref name="map"/> as if its code used it (a no-op when it
    /// does), so the map lives as long as the program and shows among its map ids.
    /// </summary>
    public void BindMap(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        using var programLease = Fd.Lease();
        using var mapLease = map.Fd.Lease();
        var attr = new ProgBindMapAttr { ProgFd = programLease.Fd, MapFd = mapLease.Fd };
        BpfSyscall.InvokeOrThrow(BpfCommand.ProgBindMap, ref attr, $"program \"{Name}\" and map \"{map.Name}\"");
    }

    /// <summary>See <see cref="TracepointLink.Attach"/>.</summary>
    public TracepointLink AttachTracepoint(string category, string name, TracepointAttachPreference preference = TracepointAttachPreference.Automatic, ulong cookie = 0) =>
        TracepointLink.Attach(this, category, name, cookie, preference);

    /// <summary>See <see cref="RawTracepointLink.Attach"/>.</summary>
    public RawTracepointLink AttachRawTracepoint(string name) => RawTracepointLink.Attach(this, name);

    /// <summary>fentry, fexit, fmod_ret, lsm, tp_btf: see <see cref="TracingLink.Attach"/>.</summary>
    public TracingLink AttachTracing(ulong cookie = 0) => TracingLink.Attach(this, cookie);

    /// <summary>See <see cref="KprobeLink.Attach"/>.</summary>
    public KprobeLink AttachKprobe(string symbol, ulong offset = 0, bool retprobe = false, ulong cookie = 0) =>
        KprobeLink.Attach(this, symbol, offset, retprobe, cookie);

    /// <summary>See <see cref="KprobeLink.AttachSyscall"/>.</summary>
    public KprobeLink AttachSyscall(string syscall, bool retprobe = false, ulong cookie = 0) =>
        KprobeLink.AttachSyscall(this, syscall, retprobe, cookie);

    /// <summary>See <see cref="KprobeMultiLink.Attach(BpfProgram, string, bool, IReadOnlyList{ulong})"/>.</summary>
    public KprobeMultiLink AttachKprobeMulti(string pattern, bool retprobe = false) => KprobeMultiLink.Attach(this, pattern, retprobe);

    /// <summary>See <see cref="UprobeLink.Attach"/>.</summary>
    public UprobeLink AttachUprobe(string binary, string? symbol, ulong offset = 0, int pid = -1, bool retprobe = false, ulong cookie = 0) =>
        UprobeLink.Attach(this, binary, symbol, offset, pid, retprobe, cookie);

    /// <summary>See <see cref="UprobeMultiLink.Attach"/>.</summary>
    public UprobeMultiLink AttachUprobeMulti(string binary, string pattern, int pid = -1, bool retprobe = false) =>
        UprobeMultiLink.Attach(this, binary, pattern, pid, retprobe);

    /// <summary>See <see cref="PerfEventLink.Attach"/>.</summary>
    public PerfEventLink AttachPerfEvent(PerfEventSampling? sampling = null) => PerfEventLink.Attach(this, sampling);

    /// <summary>See <see cref="IteratorLink.Attach"/>.</summary>
    public IteratorLink AttachIterator() => IteratorLink.Attach(this);

    public void Dispose() => Fd.Dispose();

    /// <summary>Holds every fd of <paramref name="handles"/> open for the call and writes its number (-1 for none) into <paramref name="fds"/>.</summary>
    private static List<SafeHandle> LeaseAll(IReadOnlyList<BpfFileDescriptor?> handles, int[] fds)
    {
        var leased = new List<SafeHandle>(handles.Count);
        try
        {
            for (var i = 0; i < handles.Count; i++)
            {
                fds[i] = -1;
                if (handles[i] is not { } handle)
                    continue;
                var added = false;
                handle.DangerousAddRef(ref added);
                if (added)
                    leased.Add(handle);
                fds[i] = (int)handle.DangerousGetHandle();
            }
        }
        catch
        {
            ReleaseAll(leased);
            throw;
        }

        return leased;
    }

    private static void ReleaseAll(List<SafeHandle> leased)
    {
        foreach (var handle in leased)
            handle.DangerousRelease();
    }

    private static void CheckRecords(int length, uint recordSize, string what, string? name)
    {
        if (length != 0 && (recordSize == 0 || length % recordSize != 0))
        {
            throw new ArgumentException($"program \"{name}\": {what} is {length} bytes, not a multiple of its record size {recordSize}");
        }
    }

    /// <summary>XDP on interface <paramref name="ifindex"/>; see <see cref="XdpLink"/>.</summary>
    public XdpLink AttachXdp(int ifindex, XdpAttachFlags flags = XdpAttachFlags.None) => XdpLink.Attach(this, ifindex, flags);

    /// <summary>XDP on interface <paramref name="interfaceName"/>; see <see cref="XdpLink"/>.</summary>
    public XdpLink AttachXdp(string interfaceName, XdpAttachFlags flags = XdpAttachFlags.None) => XdpLink.Attach(this, interfaceName, flags);

    /// <summary>tc on interface <paramref name="ifindex"/>: tcx, or a netlink clsact filter; see <see cref="TcxLink"/>.</summary>
    public TcxLink AttachTcx(int ifindex, TcxDirection direction, TcAttachMode mode = TcAttachMode.Automatic) => TcxLink.Attach(this, ifindex, direction, mode);

    /// <summary>tc on interface <paramref name="interfaceName"/>; see <see cref="TcxLink"/>.</summary>
    public TcxLink AttachTcx(string interfaceName, TcxDirection direction, TcAttachMode mode = TcAttachMode.Automatic) => TcxLink.Attach(this, interfaceName, direction, mode);

    /// <summary>A cgroup hook of cgroup v2 directory <paramref name="cgroupPath"/>; see <see cref="CgroupLink"/>.</summary>
    public CgroupLink AttachCgroup(string cgroupPath, BpfAttachType attachType) => CgroupLink.Attach(this, cgroupPath, attachType);

    /// <summary>A socket filter on <paramref name="socket"/>; see <see cref="SocketFilterLink"/>.</summary>
    public SocketFilterLink AttachSocketFilter(System.Net.Sockets.Socket socket) => SocketFilterLink.Attach(this, socket);

    /// <summary>A socket filter on the socket <paramref name="socket"/> owns; see <see cref="SocketFilterLink"/>.</summary>
    public SocketFilterLink AttachSocketFilter(SafeHandle socket) => SocketFilterLink.Attach(this, socket);

    /// <summary>sk_lookup on network namespace <paramref name="netnsPath"/> (the calling thread's when null); see <see cref="SkLookupLink"/>.</summary>
    public SkLookupLink AttachSkLookup(string? netnsPath = null) => SkLookupLink.Attach(this, netnsPath);
}
