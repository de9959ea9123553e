using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Objects;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

public class BtfTests
{
    [Fact]
    public void ProbeBlobsLoad()
    {
        using var btf = BpfBtfObject.Load(BtfProbes.DataSecBlob());
        var info = btf.GetInfo();
        Assert.True(info.Id > 0);
        Assert.False(info.IsKernelBtf);
    }

    [Fact]
    public void BadBtfIsRejectedWithTheKernelLog()
    {
        var blob = BtfProbes.BasicBlob();
        blob[0] = 0x00; // break the magic
        var error = Assert.Throws<BpfBtfLoadException>(() => BpfBtfObject.Load(blob));
        Assert.Equal(Uapi.Errno.EINVAL, error.Errno);
        Assert.Contains("magic", error.Log, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ProgramsCarryTheirBtfAndFuncInfo()
    {
        // [1] int; [2] FUNC_PROTO int(int x); [3] FUNC a (global): func_info { insn_off 0, type_id 3 }.
        using var btf = BpfBtfObject.Load(BtfProbes.FuncBlob(BtfLinkage.Global));
        var funcInfo = new byte[8];
        BitConverter.TryWriteBytes(funcInfo.AsSpan(4), 3u);
        using var program = BpfProgram.Load(
            new BpfProgramLoadOptions { Type = BpfProgramType.SocketFilter, Name = "with_btf", Btf = btf, FuncInfo = funcInfo, FuncInfoRecordSize = 8 },
            TestPrograms.ReturnZero);
        var info = program.GetInfo();
        Assert.Equal(btf.GetInfo().Id, info.BtfId);
        Assert.Equal(1u, info.FuncInfoCount);
    }
}
