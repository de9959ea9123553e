using RawBpf.BtfCore;
using RawBpf.Elf;
using RawBpf.Loader.Objects;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// The BTF a loader hands an older kernel: each object's fixed-up BTF, rewritten for the kinds a kernel lacks,
/// must still be accepted by this kernel's BTF verifier, keep every type id, and lose exactly the kinds asked.
/// </summary>
public class BtfSanitizeTests
{
    /// <summary>What Debian's 5.10 kernel knows: FUNC, global FUNC, DATASEC; no FLOAT, DECL_TAG, TYPE_TAG, ENUM64.</summary>
    private const BtfFeatures Linux510 = BtfFeatures.Basic | BtfFeatures.Func | BtfFeatures.GlobalFunc | BtfFeatures.DataSec;

    public static TheoryData<string> Objects()
    {
        var data = new TheoryData<string>();
        foreach (var path in RepoPaths.AllBpfObjects())
            data.Add(Path.GetRelativePath(RepoPaths.BpfObjects, path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void SanitizedBtfLoadsAndKeepsTypeIds(string relativePath)
    {
        using var opened = BpfObject.Open(Path.Combine(RepoPaths.BpfObjects, relativePath));
        var file = opened.File;
        Assert.NotNull(file.Btf);
        var fixedUp = Btf.Parse(BtfFixup.CreateKernelBtf(file) ?? file.Btf!.RawData.ToArray());
        foreach (var support in new[] { Linux510, Linux510 & ~BtfFeatures.GlobalFunc })
        {
            var sanitized = Btf.Parse(BtfSanitizer.Sanitize(fixedUp, support));
            Assert.Equal(fixedUp.LastTypeId, sanitized.LastTypeId - (HasKind(fixedUp, BtfKind.Enum64) ? 1 : 0));
            for (var id = 1; id <= sanitized.LastTypeId; id++)
            {
                var type = sanitized.GetType(id);
                Assert.DoesNotContain(type.Kind, new[] { BtfKind.Float, BtfKind.DeclTag, BtfKind.TypeTag, BtfKind.Enum64 });
                if (type.Kind == BtfKind.Func && (support & BtfFeatures.GlobalFunc) == 0)
                    Assert.Equal(BtfLinkage.Static, type.Linkage);
            }
            using var loaded = BpfBtfObject.Load(sanitized.RawData.Span);
            Assert.False(loaded.Fd.IsInvalid);
        }
    }

    private static bool HasKind(Btf btf, BtfKind kind)
    {
        for (var id = 1; id <= btf.LastTypeId; id++)
        {
            if (btf.GetType(id).Kind == kind)
                return true;
        }
        return false;
    }
}
