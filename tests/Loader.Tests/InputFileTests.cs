using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Objects;
using RawBpf.Tests.Shared;

namespace RawBpf.Loader.Tests;

/// <summary>
/// Reading files is the Loader's (<see cref="BpfObject.Open(string)"/>, <see cref="BtfFileReader"/>): only a regular
/// file is read, and what is not one is refused before any read, in the format's typed exception.
/// </summary>
public sealed class InputFileTests
{
    [Fact]
    public void MissingFileIsTyped() => Assert.Throws<ElfFormatException>(() => BpfObject.Open("/nonexistent/x.bpf.o"));

    [Theory]
    [MemberData(nameof(SpecialFiles.NotRegular), MemberType = typeof(SpecialFiles))]
    public void Special_files_are_refused_before_any_read(string path, string what)
    {
        var e = Assert.Throws<ElfFormatException>(() => BpfObject.Open(path));
        Assert.Equal($"{path}: cannot open BPF object: {what}, not a regular file", e.Message);
    }

    [Fact]
    public async Task A_fifo_is_refused_without_waiting_for_a_writer()
    {
        var (fifo, error) = await SpecialFiles.LoadFifo(path => BpfObject.Open(path));
        Assert.Equal($"{fifo}: cannot open BPF object: is a FIFO, not a regular file", Assert.IsType<ElfFormatException>(error).Message);
    }

    [Theory]
    [MemberData(nameof(SpecialFiles.NotRegular), MemberType = typeof(SpecialFiles))]
    public void Special_files_are_refused_as_btf_before_any_read(string path, string what)
    {
        var e = Assert.Throws<BtfFormatException>(() => BtfFileReader.Load(path));
        Assert.Equal($"{path}: cannot open BTF file: {what}, not a regular file", e.Message);
    }

    [Fact]
    public async Task A_fifo_is_refused_as_btf_without_waiting_for_a_writer()
    {
        var (fifo, error) = await SpecialFiles.LoadFifo(path => BtfFileReader.Load(path));
        Assert.Equal($"{fifo}: cannot open BTF file: is a FIFO, not a regular file", Assert.IsType<BtfFormatException>(error).Message);
    }

    [Fact]
    public void Kernel_btf_is_mapped_and_unmapped_with_its_btf()
    {
        var calls = new List<SyscallEvent>();
        using (SyscallTrace.Subscribe(e => { lock (calls) calls.Add(e); }))
        {
            using var vmlinux = BtfFileReader.Load(BtfFileReader.VmlinuxPath);
            Assert.True(vmlinux.LastTypeId > 1000);
        }
        // Other tests map rings meanwhile: this one's mapping is the only private one, and its address is unmapped.
        var mapping = Assert.Single(calls, c => c.Call == "mmap" && c.Arguments.Contains("PROT_READ, MAP_PRIVATE", StringComparison.Ordinal));
        Assert.Single(calls, c => c.Call == "munmap" && c.Arguments.StartsWith($"0x{mapping.Result:x}, ", StringComparison.Ordinal));
    }
}
