using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>struct perf_event_attr</c> (include/uapi/linux/perf_event.h), PERF_ATTR_SIZE_VER7 = 128 bytes; the size
/// goes in the struct itself (<c>size</c>) rather than in a syscall argument.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PerfEventAttr
{
    public const uint SizeVer7 = 128;

    // __u32 type: enum perf_type_id (dynamic PMUs such as kprobe/uprobe have their type in sysfs)
    public const uint PERF_TYPE_HARDWARE = 0;
    public const uint PERF_TYPE_SOFTWARE = 1;
    public const uint PERF_TYPE_TRACEPOINT = 2;

    // enum perf_sw_ids
    public const ulong PERF_COUNT_SW_CPU_CLOCK = 0;
    public const ulong PERF_COUNT_SW_BPF_OUTPUT = 10;

    // enum perf_event_sample_format
    public const ulong PERF_SAMPLE_RAW = 1UL << 10;

    // Bits of the flags word at offset 40 (the C bitfield: disabled:1, inherit:1, pinned:1, ... watermark is bit 14).
    public const ulong FlagDisabled = 1UL << 0;
    public const ulong FlagFreq = 1UL << 10;
    public const ulong FlagWatermark = 1UL << 14;

    // perf_event_open flags argument
    public const ulong PERF_FLAG_FD_CLOEXEC = 1UL << 3;

    [FieldOffset(0)] public uint Type;             // __u32 type
    [FieldOffset(4)] public uint Size;             // __u32 size: sizeof(struct perf_event_attr) as the caller knows it
    [FieldOffset(8)] public ulong Config;          // __u64 config: tracepoint id for PERF_TYPE_TRACEPOINT, perf_sw_ids for SOFTWARE
    [FieldOffset(16)] public ulong SamplePeriod;   // union { __u64 sample_period; __u64 sample_freq; }
    [FieldOffset(24)] public ulong SampleType;     // __u64 sample_type: PERF_SAMPLE_*
    [FieldOffset(32)] public ulong ReadFormat;     // __u64 read_format
    [FieldOffset(40)] public ulong Flags;          // the bitfield word: disabled, inherit, ..., watermark, ...
    [FieldOffset(48)] public uint WakeupEvents;    // union { __u32 wakeup_events; __u32 wakeup_watermark; }
    [FieldOffset(52)] public uint BpType;          // __u32 bp_type
    [FieldOffset(56)] public ulong Config1;        // union { __u64 bp_addr; __u64 kprobe_func; __u64 uprobe_path; __u64 config1; }
    [FieldOffset(64)] public ulong Config2;        // union { __u64 bp_len; __u64 kprobe_addr; __u64 probe_offset; __u64 config2; }

    public readonly void Describe(StringBuilder text)
    {
        text.Append('{').Field("type", Type switch
        {
            PERF_TYPE_TRACEPOINT => "PERF_TYPE_TRACEPOINT",
            PERF_TYPE_SOFTWARE => "PERF_TYPE_SOFTWARE",
            PERF_TYPE_HARDWARE => "PERF_TYPE_HARDWARE",
            _ => Type.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        text.Field("config", Type == PERF_TYPE_SOFTWARE && Config == PERF_COUNT_SW_BPF_OUTPUT ? "PERF_COUNT_SW_BPF_OUTPUT" : Config.ToString(System.Globalization.CultureInfo.InvariantCulture));
        text.Field((Flags & FlagFreq) != 0 ? "sample_freq" : "sample_period", SamplePeriod);
        if (Config1 != 0)
        {
            // kprobe_func / uprobe_path: a pointer to a NUL-terminated string.
            text.Field("config1", AttrText.CString(Config1)).Field("config2", Config2);
        }

        if (SampleType != 0)
        {
            text.Field("sample_type", SampleType == PERF_SAMPLE_RAW ? "PERF_SAMPLE_RAW" : SampleType.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        text.Field("wakeup_events", WakeupEvents).Append('}');
    }
}
