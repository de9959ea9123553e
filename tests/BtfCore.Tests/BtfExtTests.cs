using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests;

/// <summary>BTF.ext records of the probe object; their values against libbpf and the kernel are in Loader.Tests/Oracle.</summary>
public sealed class BtfExtTests(ExtProbeFixture probe) : IClassFixture<ExtProbeFixture>
{
    private const string ExitSection = ExtProbeFixture.ExitSection;
    private const string ForkSection = ExtProbeFixture.ForkSection;

    [Fact]
    public void Section_names_and_record_sizes()
    {
        Assert.Equal([".text", ExitSection, ForkSection], probe.Ext.FuncInfo.Sections.Select(s => s.SectionName).Order(StringComparer.Ordinal));
        Assert.Equal(8, probe.Ext.FuncInfo.RecordSize);
        Assert.Equal(16, probe.Ext.LineInfo.RecordSize);
        Assert.Equal(16, probe.Ext.CoreRelocations.RecordSize);
        Assert.Null(probe.Ext.LineInfo.ForSection("no such section"));
    }
}
