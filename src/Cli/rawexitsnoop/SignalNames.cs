namespace RawBpf.Cli;

/// <summary>Linux signal numbers (x86-64, asm-generic) to their names, as strsignal abbreviations are not portable.</summary>
internal static class SignalNames
{
    private static readonly string[] Names =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>The name of signal <paramref name="number"/> (1-64), e.g. SIGKILL; "SIG&lt;n&gt;" otherwise.</summary>
    public static string Name(int number) => number switch
    {
        > 0 and < 32 => Names[number],
        34 => "SIGRTMIN",
        // Real-time signals are rare enough that naming one may allocate.
        > 34 and < 64 => "SIGRTMIN+" + (number - 34).ToString(System.Globalization.CultureInfo.InvariantCulture),
        64 => "SIGRTMAX",
        _ => $"SIG{number}",
    };
}
