using RawBpf.BtfCore;
using RawBpf.Loader.Links;

namespace RawBpf.Loader.Objects;

/// <summary>How <see cref="BpfObject.Load"/> finds kernel types and loads programs.</summary>
public sealed record BpfObjectLoadOptions
{
    /// <summary>
    /// Kernel BTF to relocate against instead of <c>/sys/kernel/btf/vmlinux</c> and the modules' BTF: a raw BTF
    /// file or an ELF file with a <c>.BTF</c> section (as BTFHub ships), for kernels that publish none.
    /// </summary>
    public string? KernelBtfPath { get; init; }

    /// <summary>Already parsed kernel BTF to use instead of the running kernel's (the caller keeps ownership); wins over <see cref="KernelBtfPath"/>.</summary>
    public Btf? KernelBtf { get; init; }

    /// <summary>
    /// The running kernel's <c>/sys/kernel/btf/vmlinux</c>, parsed by the caller: called once, when CO-RE first
    /// needs the kernel's types, after <see cref="BpfObject.Load"/> has loaded the object's BTF and created the
    /// maps, so it may wait for a parse started on another thread as the process began. Used as the loader's own
    /// would be, modules' BTF behind it; the caller keeps ownership. A null result (the parse failed) makes the
    /// loader parse vmlinux itself and report what it finds.
    /// </summary>
    /// <remarks>A delegate rather than a <see cref="Task{TResult}"/>: blocking on a task would bring the thread
    /// pool into every Native AOT binary that uses the loader (about 110 KB).</remarks>
    public Func<Btf?>? Vmlinux { get; init; }

    /// <summary>Verifier log level for programs; 0 asks for a log only when a load fails.</summary>
    public uint LogLevel { get; init; }

    /// <summary>How tracepoint programs attach (BPF link or the perf-event ioctls).</summary>
    public TracepointAttachPreference TracepointAttach { get; init; } = TracepointAttachPreference.Automatic;
}
