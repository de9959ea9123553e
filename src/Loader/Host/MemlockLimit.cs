using System.Runtime.InteropServices;
using RawBpf.Loader.Interop;

namespace RawBpf.Loader.Host;

/// <summary>What <see cref="MemlockLimit.RaiseIfNeeded"/> did.</summary>
public enum MemlockOutcome
{
    /// <summary>The kernel accounts BPF memory via memcg (5.11+): RLIMIT_MEMLOCK is irrelevant and was left alone.</summary>
    NotNeeded,

    /// <summary>RLIMIT_MEMLOCK was raised to RLIM_INFINITY.</summary>
    Raised,

    /// <summary>The kernel needs it raised but setrlimit failed (no CAP_SYS_RESOURCE): large maps may fail with EPERM.</summary>
    Failed,
}

/// <summary>RLIMIT_MEMLOCK handling as libbpf does it: raise it to infinity once, and only on kernels that charge it.</summary>
public static unsafe class MemlockLimit
{
    private static readonly Lock Gate = new();
    private static MemlockOutcome? _outcome;

    /// <summary>Raises RLIMIT_MEMLOCK (soft and hard) to RLIM_INFINITY if the kernel charges BPF memory to it.</summary>
    public static MemlockOutcome RaiseIfNeeded()
    {
        lock (Gate)
        {
            if (_outcome is { } done)
            {
                return done;
            }

            if (KernelFeatures.HasMemcgAccounting)
            {
                _outcome = MemlockOutcome.NotNeeded;
                return MemlockOutcome.NotNeeded;
            }

            var limit = new ResourceLimit { Current = Libc.RLIM_INFINITY, Maximum = Libc.RLIM_INFINITY };
            var result = Libc.setrlimit(Libc.RLIMIT_MEMLOCK, &limit);
            if (SyscallTrace.IsEnabled)
            {
                SyscallTrace.Emit("setrlimit", "RLIMIT_MEMLOCK, {rlim_cur=RLIM_INFINITY, rlim_max=RLIM_INFINITY}", result, result < 0 ? Marshal.GetLastPInvokeError() : 0);
            }

            _outcome = result == 0 ? MemlockOutcome.Raised : MemlockOutcome.Failed;
            return _outcome.Value;
        }
    }

    /// <summary>The current soft limit (bytes; ulong.MaxValue is RLIM_INFINITY).</summary>
    public static ulong Current
    {
        get
        {
            var limit = default(ResourceLimit);
            if (Libc.getrlimit(Libc.RLIMIT_MEMLOCK, &limit) < 0)
            {
                throw new LinuxSyscallException("getrlimit(RLIMIT_MEMLOCK)", Marshal.GetLastPInvokeError());
            }

            return limit.Current;
        }
    }
}
