using RawBpf.Loader.Objects;
using RawBpf.Loader.Programs;

namespace RawBpf.Loader.Tests;

public class VerifierRejectTests
{
    [Fact]
    public void ARejectedProgramNamesTheVerdictAndTheSourceLine()
    {
        ObjectTestSupport.AssertLeavesNothingBehind(() =>
        {
            using var obj = ObjectTestSupport.OpenTestObject("verifier_reject.bpf.o");
            var error = Assert.Throws<BpfObjectLoadException>(() => obj.Load());

            Assert.Contains("unchecked_lookup", error.Message);
            Assert.Contains("invalid mem access", error.Message);
            Assert.NotNull(error.VerifierLogTail);
            Assert.Contains("R0 invalid mem access 'map_value_or_null'", error.VerifierLogTail);
            // line_info reached the kernel: the log quotes the source line and names file and line.
            Assert.Contains("return *counter + 1;", error.VerifierLogTail);
            Assert.Contains("verifier_reject.bpf.c:27", error.VerifierLogTail);
            Assert.IsType<BpfProgramLoadException>(error.InnerException);

            // A failed load closes what it had created and leaves the object unusable.
            Assert.Empty(obj.Maps);
            Assert.Empty(obj.Programs);
            Assert.Throws<InvalidOperationException>(() => obj.Load());
        });
    }

    [Fact]
    public void Of_two_poisoned_sites_the_one_the_verifier_rejected_is_named()
    {
        using var obj = ObjectTestSupport.OpenTestObject("rejected/core_poisoned_twice.bpf.o");
        var error = Assert.Throws<BpfObjectLoadException>(() => obj.Load());

        // Both reads were poisoned; the guarded first one is dead code to the verifier.
        Assert.Equal(2, obj.CoreRelocations.Count(r => r.Poisoned));
        Assert.StartsWith("program 'read_two_missing_fields' was rejected by the verifier", error.Message, StringComparison.Ordinal);
        Assert.Contains("struct task_struct___rawbpf.rawbpf_second_field (0:1 @ offset 8) found no match", error.Message, StringComparison.Ordinal);
        Assert.Contains("core_poisoned_twice.bpf.c:30: second_value = task->rawbpf_second_field;", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rawbpf_first_field", error.Message, StringComparison.Ordinal);
    }

    /// <summary>CO-RE results are plain values: they read the same after the kernel types they were resolved against are unmapped.</summary>
    [Fact]
    public void Core_results_outlive_the_kernel_types()
    {
        using var obj = ObjectTestSupport.OpenTestObject("core_fields.bpf.o");
        var kernelTypes = KernelTypes.FromSystem();
        var results = obj.ResolveCoreRelocations(new BpfObjectLoadOptions { KernelTypes = kernelTypes });
        var before = results.Select(r => r.ToString()).ToArray();
        kernelTypes.Dispose();

        Assert.Throws<ObjectDisposedException>(() => kernelTypes.Vmlinux);
        Assert.Equal(before, results.Select(r => r.ToString()));
        Assert.Contains(results, r => r.TargetSpec is { } target && target.Source == "/sys/kernel/btf/vmlinux" && target.ToString().Contains("] struct task_struct.", StringComparison.Ordinal));
    }
}
