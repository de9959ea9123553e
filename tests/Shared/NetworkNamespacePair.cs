using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
namespace RawBpf.Tests.Shared;

/// <summary>
/// Two network namespaces joined by a veth pair (A: 10.213.0.1, B: 10.213.0.2), named after this branch and
/// process so concurrent runs never meet; all test traffic stays between the two ends. Code runs inside a
/// namespace on a thread of its own that setns(2)s into it (a network namespace is per thread).
/// </summary>
internal sealed partial class NetworkNamespacePair : IDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("10.213.0.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("10.213.0.2");
    private const int CLONE_NEWNET = 0x40000000;
    private const int O_RDONLY_CLOEXEC = 0x80000;
    private static int _instances;

    public NetworkNamespacePair()
    {
        var id = $"{Environment.ProcessId}-{Interlocked.Increment(ref _instances)}";
        NamespaceA = $"rawbpf-att-net-a-{id}";
        NamespaceB = $"rawbpf-att-net-b-{id}";
        // Interface names: at most 15 characters.
        var shortId = $"{Environment.ProcessId % 100000}{_instances % 10}";
        InterfaceA = $"rbna{shortId}";
        InterfaceB = $"rbnb{shortId}";
        try
        {
            Ip("netns", "add", NamespaceA);
            Ip("netns", "add", NamespaceB);
            Ip("link", "add", InterfaceA, "netns", NamespaceA, "type", "veth", "peer", "name", InterfaceB, "netns", NamespaceB);
            Ip("-n", NamespaceA, "addr", "add", AddressA + "/24", "dev", InterfaceA);
            Ip("-n", NamespaceB, "addr", "add", AddressB + "/24", "dev", InterfaceB);
            Ip("-n", NamespaceA, "link", "set", InterfaceA, "up");
            Ip("-n", NamespaceB, "link", "set", InterfaceB, "up");
            Ip("-n", NamespaceA, "link", "set", "lo", "up");
            Ip("-n", NamespaceB, "link", "set", "lo", "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string NamespaceA { get; }

    public string NamespaceB { get; }

    /// <summary>The veth end in A.</summary>
    public string InterfaceA { get; }

    /// <summary>The veth end in B.</summary>
    public string InterfaceB { get; }

    public static string NamespacePath(string name) => "/var/run/netns/" + name;

    /// <summary>Runs <paramref name="action"/> on a new thread inside network namespace <paramref name="name"/>.</summary>
    public static T RunIn<T>(string name, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                var fd = open(NamespacePath(name), O_RDONLY_CLOEXEC);
                if (fd < 0)
                    throw new InvalidOperationException($"open {NamespacePath(name)}: errno {Marshal.GetLastPInvokeError()}");
                var joined = setns(fd, CLONE_NEWNET);
                var errno = Marshal.GetLastPInvokeError();
                close(fd);
                if (joined != 0)
                    throw new InvalidOperationException($"setns({name}): errno {errno}");
                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
            throw new AggregateException($"in network namespace {name}", error);
        return result;
    }

    /// <summary>Sends <paramref name="count"/> UDP datagrams from inside <paramref name="fromNamespace"/>.</summary>
    public static void SendUdp(string fromNamespace, IPAddress to, int port, int count) =>
        RunIn(fromNamespace, () =>
        {
            using var client = new UdpClient(AddressFamily.InterNetwork);
            var payload = "rawbpf att-net"u8.ToArray();
            for (var i = 0; i < count; i++)
                client.Send(payload, new IPEndPoint(to, port));
            return 0;
        });

    /// <summary>Polls until <paramref name="condition"/> holds (packets reach the programs from softirq context), at most 10 s.</summary>
    public static bool WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            Thread.Sleep(20);
        }
        return true;
    }

    /// <summary>`ip -n NS ...` output, for oracles such as `tc`.</summary>
    public static string InNamespace(string name, string tool, params string[] arguments) =>
        System.Text.Encoding.UTF8.GetString(ExternalTool.RunChecked("ip", ["netns", "exec", name, tool, .. arguments]));

    public void Dispose()
    {
        // Deleting a namespace deletes its veth end, and the peer with it.
        foreach (var name in new[] { NamespaceA, NamespaceB })
        {
            if (File.Exists(NamespacePath(name)))
                ExternalTool.Run("ip", "netns", "del", name);
        }
    }

    private static void Ip(params string[] arguments) => ExternalTool.RunChecked("ip", arguments);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
