using System.Runtime.InteropServices;
using System.Text;

namespace RawBpf.Loader.Interop;

/// <summary>A <c>const char **</c> for the kernel: NUL-terminated UTF-8 copies of strings in native memory, freed on Dispose.</summary>
internal sealed unsafe class NativeStrings : IDisposable
{
    private readonly nint[] _strings;

    public NativeStrings(IReadOnlyList<string> values)
    {
        _strings = new nint[values.Count];
        Pointers = (byte**)NativeMemory.AllocZeroed((nuint)Math.Max(1, values.Count), (nuint)sizeof(nint));
        for (var i = 0; i < values.Count; i++)
        {
            var length = Encoding.UTF8.GetByteCount(values[i]);
            var text = (byte*)NativeMemory.AllocZeroed((nuint)length + 1);
            Encoding.UTF8.GetBytes(values[i], new Span<byte>(text, length));
            _strings[i] = (nint)text;
            Pointers[i] = text;
        }
    }

    /// <summary>The array of string pointers.</summary>
    public byte** Pointers { get; }

    public void Dispose()
    {
        foreach (var text in _strings)
            NativeMemory.Free((void*)text);
        NativeMemory.Free(Pointers);
    }
}
