namespace RawBpf.Loader.Readers;

/// <summary>
/// A ring buffer record header claims more bytes than the ring holds: the kernel never writes one, so the data area
/// was written by something else (a user-space producer of a shared map) and the reader stops rather than read
/// past the ring.
/// </summary>
public sealed class RingBufferCorruptException(string mapName, ulong position, uint claimedLength, ulong ringSize)
    : RawBpfException($"ring buffer \"{mapName}\": record at position {position} claims {claimedLength} bytes, more than the {ringSize}-byte ring")
{
    /// <summary>The consumer position of the bad header.</summary>
    public ulong Position { get; } = position;
}
