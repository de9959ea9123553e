using System.Diagnostics;

namespace RawBpf.Cli;

/// <summary>
/// Turns the kernel's <c>bpf_ktime_get_ns()</c> (CLOCK_MONOTONIC) into wall-clock time. .NET's Stopwatch reads
/// the same clock on Linux, so the offset to CLOCK_REALTIME is sampled once, keeping the closest of a few pairs.
/// </summary>
internal sealed class WallClock
{
    private const long NanosecondsPerTick = 100;
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    private readonly long _realtimeMinusMonotonicNs;
    private readonly bool _utc;
    private long _offsetHourStart = long.MaxValue;
    private long _offsetHourEnd = long.MinValue;
    private long _localOffsetNs;

    public WallClock(bool utc)
    {
        _utc = utc;
        if (Stopwatch.Frequency != 1_000_000_000)
            throw new PlatformNotSupportedException("Stopwatch does not count CLOCK_MONOTONIC nanoseconds here");
        var best = long.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var before = Stopwatch.GetTimestamp();
            var realtime = DateTime.UtcNow.Ticks;
            var after = Stopwatch.GetTimestamp();
            if (after - before < best)
            {
                best = after - before;
                _realtimeMinusMonotonicNs = (realtime - UnixEpochTicks) * NanosecondsPerTick - (before + (after - before) / 2);
            }
        }
    }

    /// <summary>Nanoseconds since the Unix epoch, UTC.</summary>
    public long ToUnixNs(ulong monotonicNs) => (long)monotonicNs + _realtimeMinusMonotonicNs;

    /// <summary>Nanoseconds since the Unix epoch in the zone the table shows (local unless --utc).</summary>
    public long ToDisplayNs(ulong monotonicNs)
    {
        var unixNs = ToUnixNs(monotonicNs);
        if (_utc)
            return unixNs;
        // The zone offset changes at most at an hour boundary: look it up once an hour, not per record.
        if (unixNs < _offsetHourStart || unixNs >= _offsetHourEnd)
        {
            const long hourNs = 3_600_000_000_000;
            _offsetHourStart = unixNs - unixNs % hourNs;
            _offsetHourEnd = _offsetHourStart + hourNs;
            var utc = new DateTime(UnixEpochTicks + _offsetHourStart / NanosecondsPerTick, DateTimeKind.Utc);
            _localOffsetNs = TimeZoneInfo.Local.GetUtcOffset(utc).Ticks * NanosecondsPerTick;
        }
        return unixNs + _localOffsetNs;
    }
}
