using System.Buffers;
using System.Globalization;
using System.Numerics;

namespace RawBpf.BtfCore;

/// <summary>
/// A pooled 64 KiB buffer flushed to a stream or a buffer writer: writing numbers and names into one array
/// keeps a dump of vmlinux (hundreds of thousands of lines) free of per-line allocations and write calls.
/// </summary>
internal sealed class ChunkWriter(Stream? stream, IBufferWriter<byte>? bufferWriter)
{
    private const int BufferSize = 64 * 1024;
    private const int MaxNumberLength = 20;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _position;
    private long _flushed;

    /// <summary>
    /// Where a writer whose output can grow faster than its input stops (see <see cref="BtfCDumper"/>), with the
    /// exception it throws; none by default.
    /// </summary>
    public long Limit { get; set; } = long.MaxValue;

    public Func<long, Exception>? LimitExceeded { get; set; }

    /// <summary>Runs <paramref name="write"/> over a writer to <paramref name="output"/>, flushed at the end.</summary>
    public static void Run(Btf btf, Stream output, Action<Btf, ChunkWriter> write)
    {
        ArgumentNullException.ThrowIfNull(btf);
        ArgumentNullException.ThrowIfNull(output);
        Run(btf, new ChunkWriter(output, null), write);
    }

    /// <summary>Runs <paramref name="write"/> over a writer to <paramref name="output"/>, flushed at the end.</summary>
    public static void Run(Btf btf, IBufferWriter<byte> output, Action<Btf, ChunkWriter> write)
    {
        ArgumentNullException.ThrowIfNull(btf);
        ArgumentNullException.ThrowIfNull(output);
        Run(btf, new ChunkWriter(null, output), write);
    }

    /// <summary>The whole text as one string (for small BTF; stream vmlinux's instead).</summary>
    public static string ToText(Btf btf, Action<Btf, ChunkWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Run(btf, buffer, write);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Run(Btf btf, ChunkWriter writer, Action<Btf, ChunkWriter> write)
    {
        try
        {
            write(btf, writer);
            writer.Flush();
        }
        finally
        {
            writer.Return();
        }
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > _buffer.Length - _position)
        {
            var room = _buffer.Length - _position;
            bytes[..room].CopyTo(_buffer.AsSpan(_position));
            _position += room;
            bytes = bytes[room..];
            Flush();
        }
        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
    }

    /// <summary>
    /// bpftool's <c>btf_str</c>: offset 0 is "(anon)" (an empty name elsewhere prints as nothing), an offset
    /// past the strings "(invalid)".
    /// </summary>
    public void WriteName(Btf btf, uint nameOffset) =>
        Write(nameOffset == 0 ? "(anon)"u8 : btf.HasStringAt(nameOffset) ? btf.GetStringBytes(nameOffset) : "(invalid)"u8);

    /// <summary>An integer in decimal, as printf's %d, %u, %lld and %llu write it.</summary>
    public void Write<T>(T value) where T : struct, IBinaryInteger<T>
    {
        Reserve();
        value.TryFormat(_buffer.AsSpan(_position), out var written, default, CultureInfo.InvariantCulture);
        _position += written;
    }

    private void Reserve()
    {
        if (_buffer.Length - _position < MaxNumberLength)
            Flush();
    }

    public void Flush()
    {
        if (_position == 0)
            return;
        var chunk = _buffer.AsSpan(0, _position);
        _flushed += chunk.Length;
        if (_flushed > Limit)
            throw LimitExceeded?.Invoke(Limit) ?? new InvalidOperationException($"output past {Limit} bytes");
        if (stream is not null)
            stream.Write(chunk);
        else
            bufferWriter!.Write(chunk);
        _position = 0;
    }

    public void Return()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
