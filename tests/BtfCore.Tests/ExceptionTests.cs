namespace RawBpf.BtfCore.Tests;

/// <summary>The exception root: hints are found when asked for, once, and the message is problem, log, then hints.</summary>
public class ExceptionTests
{
    private sealed class Counted(string problem, string logTail) : RawBpfException(problem)
    {
        public int Searches { get; private set; }

        public override string LogTail => logTail;

        protected override IReadOnlyList<string> FindHints()
        {
            Searches++;
            return ["first", "second"];
        }
    }

    [Fact]
    public void Hints_are_found_on_first_use_not_when_thrown()
    {
        var error = new Counted("open(/x) failed", "");
        Assert.Equal(0, error.Searches);
        Assert.Equal("open(/x) failed", error.Problem);
        Assert.Equal(0, error.Searches);
        Assert.Equal("open(/x) failed\n  hint: first\n  hint: second", error.Message);
        Assert.Equal(["first", "second"], error.Hints);
        Assert.Equal(1, error.Searches);
    }

    [Fact]
    public void The_message_puts_the_log_between_the_problem_and_the_hints()
    {
        var error = new Counted("program \"p\" rejected", "0: (b7) r0 = 0\nR2 !read_ok");
        Assert.Equal("program \"p\" rejected\nkernel log, last lines:\n0: (b7) r0 = 0\nR2 !read_ok\n  hint: first\n  hint: second", error.Message);
    }

    [Fact]
    public void Format_errors_name_section_and_offset()
    {
        var error = Assert.Throws<BtfFormatException>(() => Btf.Parse(new byte[4]));
        Assert.IsAssignableFrom<RawBpfFormatException>(error);
        Assert.Equal(".BTF", error.Section);
        Assert.Equal(0, error.Offset);
    }
}
