namespace RawBpf.Tests.Shared;

/// <summary>bpffs at /sys/fs/bpf, which a fresh machine does not mount.</summary>
internal static class BpfFs
{
    public const string Path = "/sys/fs/bpf";

    public static void EnsureMounted()
    {
        foreach (var line in File.ReadLines("/proc/self/mounts"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 2 && fields[1] == Path && fields[2] == "bpf")
                return;
        }
        ExternalTool.RunChecked("mount", "-t", "bpf", "bpf", Path);
    }
}
