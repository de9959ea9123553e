using System.Text;

namespace RawBpf.BtfCore.Tests;

internal static class DumpAssert
{
    /// <summary>The dumper's output into a buffer writer, what the tools write to stdout.</summary>
    public static byte[] Dump(Btf btf)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        BtfDumper.Write(btf, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Byte equality, reported as the first differing line so a 300k-line mismatch stays readable.</summary>
    public static void SameBytes(byte[] expected, ReadOnlySpan<byte> actual, string what)
    {
        if (actual.SequenceEqual(expected))
            return;
        var expectedLines = Encoding.UTF8.GetString(expected).Split('\n');
        var actualLines = Encoding.UTF8.GetString(actual).Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var e = i < expectedLines.Length ? expectedLines[i] : "<end>";
            var a = i < actualLines.Length ? actualLines[i] : "<end>";
            if (e != a)
                Assert.Fail($"{what}: line {i + 1} differs\n expected: {e}\n actual:   {a}");
        }
        Assert.Fail($"{what}: outputs differ in bytes ({expected.Length} vs {actual.Length}) but not by line");
    }
}
