using System.Buffers.Binary;
using RawBpf.BtfCore;
using RawBpf.Tests.Shared;
using static RawBpf.BtfCore.Tests.BtfBlobEdits;

namespace RawBpf.BtfCore.Tests;

/// <summary>What bpftool 7.1 dumps, rawbpf dumps with <see cref="BtfAcceptance.Bpftool"/>; the loader stays strict.</summary>
public sealed class BtfAcceptanceOracleTests
{
    [Fact]
    public void The_synthetic_btf_of_every_kind_is_valid_and_dumps_as_bpftool_does()
    {
        var path = Path.Combine(Path.GetTempPath(), $"rawbpf-every-kind-{Environment.ProcessId}.btf");
        File.WriteAllBytes(path, EveryKind);
        try
        {
            var expected = ExternalTool.RunChecked("bpftool", "btf", "dump", "file", path);
            using var btf = BtfFiles.Read(path);
            Assert.Equal(19, btf.LastTypeId);
            BtfWalker.Walk(btf);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), BtfDumper.ToText(btf));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_name_past_the_strings_dumps_as_invalid_like_bpftool_and_stays_an_error_for_the_loader()
    {
        var blob = With(EveryKind, TypeOffset(1), 32940);    // type 1's name_off
        var (dumped, text) = DumpsAsBpftool("invalid-name.btf", blob);
        Assert.True(dumped);
        Assert.StartsWith("[1] INT '(invalid)'", text);
        Assert.Contains("string offset 32940 is past the string section", Rejects(blob).Message);
    }

    [Fact]
    public void Another_version_dumps_like_bpftool_and_stays_an_error_for_the_loader()
    {
        var blob = EveryKind.ToArray();
        blob[2] = 7;
        Assert.True(DumpsAsBpftool("version7.btf", blob).Dumped);
        Assert.Equal(".BTF: unsupported BTF version 7 (at offset 2)", Assert.Throws<BtfFormatException>(() => Btf.Parse(blob)).Message);
    }

    [Fact]
    public void Strings_before_types_are_refused_like_bpftool_and_accepted_for_the_loader_as_the_kernel_does()
    {
        var typeLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(EveryKind.AsSpan(12));
        var stringLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(EveryKind.AsSpan(20));
        var padded = (stringLength + 3) & ~3;
        var blob = new byte[24 + padded + typeLength];
        EveryKind.AsSpan(0, 24).CopyTo(blob);
        EveryKind.AsSpan(24 + typeLength, stringLength).CopyTo(blob.AsSpan(24));
        EveryKind.AsSpan(24, typeLength).CopyTo(blob.AsSpan(24 + padded));
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), (uint)padded);   // type_off
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(16), 0);             // str_off
        var (dumped, message) = DumpsAsBpftool("strings-first.btf", blob);
        Assert.False(dumped);
        Assert.Contains("runs past the string section's start", message);
        Assert.Equal(Btf.Parse(EveryKind).LastTypeId, Btf.Parse(blob).LastTypeId);
    }

    /// <summary>bpftool's dump of <paramref name="blob"/> and ours with bpftool's acceptance: both dump the same, or both refuse.</summary>
    private static (bool Dumped, string Text) DumpsAsBpftool(string name, byte[] blob)
    {
        var path = TempFile(name, blob);
        try
        {
            var expected = ExternalTool.Run("bpftool", "btf", "dump", "file", path);
            try
            {
                using var btf = BtfFiles.Read(path, null, BtfAcceptance.Bpftool);
                var text = BtfDumper.ToText(btf);
                Assert.True(expected.ExitCode == 0, $"bpftool refuses what rawbpf dumps: {expected.StandardError}");
                Assert.Equal(expected.StandardOutputText, text);
                return (true, text);
            }
            catch (BtfFormatException e)
            {
                Assert.True(expected.ExitCode != 0, $"bpftool dumps what rawbpf refuses: {e.Message}");
                return (false, e.Message);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
