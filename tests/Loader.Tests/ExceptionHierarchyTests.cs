using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Objects;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>One root: a caller catches RawBpfException and has every failure the libraries report.</summary>
public class ExceptionHierarchyTests
{
    [Fact]
    public void Every_exception_the_libraries_define_derives_from_the_root()
    {
        var assemblies = new[] { typeof(Btf).Assembly, typeof(BpfObjectFile).Assembly, typeof(BpfObject).Assembly };
        var exceptions = assemblies.SelectMany(a => a.GetTypes()).Where(t => t.IsAssignableTo(typeof(Exception))).ToList();
        Assert.Contains(typeof(BpfSyscallException), exceptions);
        // CoreMatchException is the CO-RE matcher's internal signal, always caught and turned into a result.
        var outside = exceptions.Where(t => !t.IsAssignableTo(typeof(RawBpfException)) && t.Name != "CoreMatchException").Select(t => t.FullName);
        Assert.Empty(outside);
    }

    [Fact]
    public void An_unreadable_file_is_not_a_format_error()
    {
        var missing = Assert.Throws<InputFileException>(() => BtfFileReader.Load("/nonexistent/vmlinux"));
        Assert.IsNotAssignableFrom<RawBpfFormatException>(missing);
        Assert.Equal("/nonexistent/vmlinux", missing.Path);
        Assert.Equal("/nonexistent/vmlinux: cannot open BTF file: no such file or directory", missing.Message);
    }

    [Fact]
    public void A_syscall_error_finds_its_hint_when_asked_and_keeps_it()
    {
        var error = new BpfSyscallException(BpfCommand.MapUpdateElem, Errno.EPERM, "map \"m\"");
        Assert.Equal("bpf(BPF_MAP_UPDATE_ELEM) failed: EPERM (Operation not permitted) for map \"m\"", error.Problem);
        Assert.Equal(["the map is frozen (BPF_MAP_FREEZE) or read-only for user space (BPF_F_RDONLY)"], error.Hints);
        Assert.Same(error.Hints, error.Hints);
        Assert.Equal(error.Problem + "\n  hint: " + error.Hints[0], error.Message);
    }
}
