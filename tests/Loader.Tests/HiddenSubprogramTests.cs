namespace RawBpf.Loader.Tests;

/// <summary>hidden_subprog.bpf.o: a __weak __hidden function the verifier accepts only as a static one (libbpf's mark_btf_static).</summary>
public class HiddenSubprogramTests
{
    [Fact]
    public void HiddenWeakFunctionIsVerifiedInItsCallersContext()
    {
        using var obj = ObjectTestSupport.OpenTestObject("hidden_subprog.bpf.o");
        obj.Load();

        Assert.Equal(0u, TestRun.Run(obj.GetProgram("hidden_caller")));
        Assert.Equal(42ul, ObjectTestSupport.ReadU64(obj, "result"));
    }
}
