namespace RawBpf.Loader.Host;

/// <summary>
/// A kernel interface the loader reads is missing or says what it cannot use: tracefs not mounted, no such
/// tracepoint, a tracepoint id or a PMU's sysfs format file that does not parse. Names the path and what was there.
/// </summary>
public sealed class KernelInterfaceException(string message, Exception? innerException = null) : RawBpfException(message, innerException);
