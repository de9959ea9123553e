using RawBpf.BtfCore;
using RawBpf.Tests.Shared;

namespace RawBpf.BtfCore.Tests;

/// <summary>The dumper's two outputs; its text against bpftool's is tested in Loader.Tests/Oracle (pure tests start no bpftool).</summary>
public sealed class BtfDumperTests
{
    [Fact]
    public void Vmlinux_dump_to_stream_equals_dump_to_buffer_writer()
    {
        using var btf = BtfFiles.Read(BtfFiles.Vmlinux);
        using var stream = new MemoryStream();
        BtfDumper.Write(btf, stream);
        Assert.True(stream.ToArray().AsSpan().SequenceEqual(DumpAssert.Dump(btf)));
    }
}
