using System.Runtime.InteropServices;

namespace RawBpf.Cli.Common;

/// <summary>
/// SIGINT, SIGTERM and SIGHUP, any number of them in any order, ask for one orderly stop: the first cancels the
/// token, the others find it cancelled. The handlers stay for the life of the process, so a signal that comes
/// while the tool is already stopping cannot kill it halfway through its output.
/// </summary>
public static class StopSignals
{
    private static readonly CancellationTokenSource Stop = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];

    /// <summary>Installs the handlers (once) and returns the token they cancel.</summary>
    public static CancellationToken Listen()
    {
        lock (Registrations)
        {
            if (Registrations.Count == 0)
            {
                foreach (var signal in (ReadOnlySpan<PosixSignal>)[PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP])
                {
                    Registrations.Add(PosixSignalRegistration.Create(signal, static context =>
                    {
                        context.Cancel = true; // no default action: the tool ends by itself
                        Stop.Cancel();
                    }));
                }
            }
        }
        return Stop.Token;
    }
}
