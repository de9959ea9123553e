using RawBpf.BtfCore;
using RawBpf.Tests.Shared;

namespace RawBpf.BtfCore.Tests;

/// <summary>
/// Split BTF on top of the running kernel's: this machine has no module BTF under /sys/kernel/btf, so a small C
/// file stands in for a module. clang compiles it with DWARF and pahole encodes it as split BTF against vmlinux,
/// both into the object's .BTF section and as a detached raw file.
/// </summary>
public sealed class SplitBtfFixture : IDisposable
{
    public SplitBtfFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("rawbpf-split-").FullName;
        var source = Path.Combine(AppContext.BaseDirectory, "TestData", "split_module.c");
        ElfPath = Path.Combine(Directory, "split_module.o");
        RawPath = Path.Combine(Directory, "split_module.btf");
        ExternalTool.RunChecked("clang", "-g", "-O1", "-c", source, "-o", ElfPath);
        ExternalTool.RunChecked("pahole", "-J", "--btf_base", BtfFiles.Vmlinux, ElfPath);
        ExternalTool.RunChecked("pahole", "--btf_encode_detached=" + RawPath, "--btf_base", BtfFiles.Vmlinux, ElfPath);
    }

    public string Directory { get; }

    /// <summary>The object with its split BTF in .BTF.</summary>
    public string ElfPath { get; }

    /// <summary>The same split BTF as a raw file (what /sys/kernel/btf/MODULE holds).</summary>
    public string RawPath { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
