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
}
