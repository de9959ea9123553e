namespace RawBpf.Cli;

/// <summary>What the command line asked for, validated.</summary>
internal sealed record ExitSnoopOptions
{
    public int? Pid { get; init; }
    public bool FailedOnly { get; init; }
    public bool Threads { get; init; }
    public string? CgroupPath { get; init; }

    /// <summary>CgroupPath came from --cgroup-exact: that cgroup only, not its descendants.</summary>
    public bool CgroupExact { get; init; }
    public uint? Uid { get; init; }
    public bool Json { get; init; }
    public bool Utc { get; init; }
    public long? Count { get; init; }
    public TimeSpan? Duration { get; init; }
    public string? BtfPath { get; init; }
    public bool Explain { get; init; }
    public int? RingSizeKib { get; init; }
}
