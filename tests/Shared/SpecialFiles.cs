namespace RawBpf.Tests.Shared;

/// <summary>Files that are no regular file, for the readers that must refuse them before reading (issue 11.2).</summary>
internal static class SpecialFiles
{
    /// <summary>Paths and what the readers call them: /dev/zero and /dev/urandom never end, a directory has no bytes.</summary>
    public static TheoryData<string, string> NotRegular => new()
    {
        { "/dev/zero", "is a character device" },
        { "/dev/urandom", "is a character device" },
        { "/tmp", "is a directory" },
    };

    /// <summary>
    /// Runs <paramref name="load"/> on a new FIFO with no writer (an open without O_NONBLOCK waits for one
    /// forever) and returns the FIFO's path and what <paramref name="load"/> threw; fails after 10 s.
    /// </summary>
    public static async Task<(string Path, Exception? Error)> LoadFifo(Action<string> load)
    {
        var fifo = Path.Combine(Path.GetTempPath(), $"rawbpf-input-{Environment.ProcessId}-{Guid.NewGuid():N}.fifo");
        ExternalTool.RunChecked("mkfifo", fifo);
        try
        {
            var loading = Task.Run(() => Record.Exception(() => load(fifo)));
            Assert.Same(loading, await Task.WhenAny(loading, Task.Delay(TimeSpan.FromSeconds(10))));
            return (fifo, await loading);
        }
        finally
        {
            File.Delete(fifo);
        }
    }
}
