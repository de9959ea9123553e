using System.Buffers;
using System.Runtime.InteropServices;

namespace RawBpf.Loader.Interop;

/// <summary>
/// One mmap(2)'d region, unmapped exactly once, when its last user lets go. Code that dereferences it holds a
/// <see cref="Lease"/> (a SafeHandle reference) for a batch of work, not per access: a <see cref="SafeHandle.Dispose()"/>
/// from another thread meanwhile only marks the region closed, the munmap waits for the lease to end, and the
/// next <see cref="Acquire"/> throws <see cref="ObjectDisposedException"/> instead of touching unmapped memory.
/// No finalizer: a span over the region may still be in use after the last reference to its owner (CA2015), so an
/// undisposed region stays mapped until the process ends.
/// </summary>
internal sealed unsafe class MappedRegion : SafeBuffer
{
    private readonly object _owner;

    private MappedRegion(object owner)
        : base(ownsHandle: true)
    {
        _owner = owner;
        GC.SuppressFinalize(this);
    }

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="fd"/> at <paramref name="offset"/>, MAP_SHARED.</summary>
    /// <param name="owner">The object (or type) whose disposal closes the region, named in <see cref="ObjectDisposedException"/>.</param>
    public static MappedRegion MapShared(object owner, FileDescriptorHandle fd, nuint length, int protection, long offset) =>
        Map(owner, fd, length, protection, Libc.MAP_SHARED, offset);

    /// <summary>A read-only private mapping of a file's first <paramref name="length"/> bytes.</summary>
    public static MappedRegion MapPrivateReadOnly(object owner, SafeHandle file, nuint length) =>
        Map(owner, file, length, Libc.PROT_READ, Libc.MAP_PRIVATE, 0);

    private static MappedRegion Map(object owner, SafeHandle fd, nuint length, int protection, int flags, long offset)
    {
        // Created before the call, so no mapping exists without an owner that unmaps it.
        var region = new MappedRegion(owner);
        region.SetHandle((nint)KernelCalls.Map(fd, length, protection, flags, offset));
        region.Initialize(length);
        return region;
    }

    /// <summary>
    /// Keeps the region mapped until the lease is disposed; throws <see cref="ObjectDisposedException"/> (naming
    /// the owner) once the region is closed.
    /// </summary>
    public Lease Acquire()
    {
        ThrowIfClosed();
        return new Lease(this);
    }

    private void ThrowIfClosed()
    {
        if (IsClosed)
            throw _owner is Type type ? new ObjectDisposedException(type.Name) : new ObjectDisposedException(_owner.GetType().Name);
    }

    /// <summary>The region as memory for a reader that keeps it (e.g. a parsed BTF); disposing that unmaps the region.</summary>
    public MemoryManager<byte> AsMemoryOwner() => new Memory(this);

    protected override bool ReleaseHandle()
    {
        KernelCalls.Unmap((byte*)handle, (nuint)ByteLength);
        return true;
    }

    /// <summary>A held reference on a <see cref="MappedRegion"/> and its address while held.</summary>
    public ref struct Lease
    {
        private MappedRegion? _region;
        private byte* _pointer;

        public Lease(MappedRegion region)
        {
            region.AcquirePointer(ref _pointer); // throws ObjectDisposedException if closed since the check
            _region = region;
        }

        /// <summary>The region's start address, valid until this lease is disposed.</summary>
        public readonly byte* Pointer => _pointer;

        public void Dispose()
        {
            if (_region is not null)
            {
                _region.ReleasePointer();
                _region = null;
                _pointer = null;
            }
        }
    }

    /// <summary>
    /// The region as <see cref="Memory{T}"/>: spans over it carry no reference (they cannot), so the memory's
    /// holder disposes it only when no span is in use, as with any <see cref="MemoryManager{T}"/>.
    /// </summary>
    private sealed class Memory(MappedRegion region) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan()
        {
            region.ThrowIfClosed();
            return new Span<byte>((void*)region.DangerousGetHandle(), checked((int)region.ByteLength));
        }

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            region.ThrowIfClosed();
            byte* pointer = null;
            region.AcquirePointer(ref pointer); // released by Unpin
            return new MemoryHandle(pointer + elementIndex, pinnable: this);
        }

        public override void Unpin() => region.ReleasePointer();

        protected override void Dispose(bool disposing) => region.Dispose();
    }
}
