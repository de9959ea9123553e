namespace RawBpf.Cli;

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}

/// <summary>Loads exitsnoop.bpf.o, attaches it, and prints records until told to stop.</summary>
internal static class ExitSnoop
{
    public static Task<int> RunAsync(ExitSnoopOptions options, CancellationToken cancellation)
    {
        _ = options;
        _ = cancellation;
        Console.Error.WriteLine("rawexitsnoop: the loader is not wired yet");
        return Task.FromResult(ExitCodes.Failure);
    }
}
