using RawBpf.BtfCore;
using RawBpf.Loader.Links;

namespace RawBpf.Loader.Objects;

/// <summary>How <see cref="BpfObject.Load"/> finds kernel types and loads programs.</summary>
public sealed record BpfObjectLoadOptions
{
    /// <summary>
    /// The kernel types CO-RE and BTF attach resolve against (<see cref="KernelTypes.FromSystem"/>,
    /// <see cref="KernelTypes.FromFile"/>, <see cref="KernelTypes.FromBytes"/>), parsed only when first needed: after
    /// <see cref="BpfObject.Load"/> has loaded the object's BTF and created the maps, so a parse started on another
    /// thread as the process began (<see cref="KernelTypes.Preload"/>) overlaps them. The caller keeps ownership.
    /// Null: the running kernel's, which the load releases again before it returns.
    /// </summary>
    public KernelTypes? KernelTypes { get; init; }

    /// <summary>Verifier log level for programs; 0 asks for a log only when a load fails.</summary>
    public uint LogLevel { get; init; }

    /// <summary>How tracepoint programs attach (BPF link or the perf-event ioctls).</summary>
    public TracepointAttachPreference TracepointAttach { get; init; } = TracepointAttachPreference.Automatic;
}
