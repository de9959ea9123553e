using RawBpf.BtfCore;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests;

/// <summary>A BPF object with two programs, a subprogram and CO-RE relocations, compiled by clang for the test.</summary>
public sealed class ExtProbeFixture : IDisposable
{
    public const string ExitSection = "tracepoint/sched/sched_process_exit";
    public const string ForkSection = "tracepoint/sched/sched_process_fork";

    public ExtProbeFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("rawbpf-ext-").FullName;
        ObjectPath = Path.Combine(Directory, "ext_probe.bpf.o");
        ExternalTool.RunChecked("clang", "-target", "bpf", "-O2", "-g", "-D__TARGET_ARCH_x86",
            "-idirafter", "/usr/include/x86_64-linux-gnu",
            "-c", Path.Combine(AppContext.BaseDirectory, "TestData", "ext_probe.bpf.c"), "-o", ObjectPath);
        Bytes = File.ReadAllBytes(ObjectPath);
        Btf = BtfFiles.Read(ObjectPath);
        Ext = BtfExt.Parse(ElfBtfFile.Section(Bytes, ".BTF.ext", ObjectPath), Btf);
    }

    public string Directory { get; }
    public string ObjectPath { get; }
    public byte[] Bytes { get; }
    public Btf Btf { get; }
    public BtfExt Ext { get; }

    /// <summary>Instructions in an ELF section (its size / 8).</summary>
    public int InstructionCount(string section) => ElfBtfFile.Section(Bytes, section, ObjectPath).Length / BpfInstruction.Size;

    public void Dispose()
    {
        Btf.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
