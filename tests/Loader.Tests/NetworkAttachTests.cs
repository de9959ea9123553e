using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Objects;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.Loader.Tests;

/// <summary>
/// net_attach.bpf.o's programs attached for real: XDP and tc on a veth end inside a test network namespace, cgroup
/// hooks on a test cgroup with a child process in it, a socket filter, sk_lookup on a namespace. Each sees its events
/// counted, and after Dispose bpftool (the oracle) shows neither the programs nor a link to them.
/// </summary>
public class NetworkAttachTests
{
    private const int Port = 9213;
    private const int Datagrams = 20;

    [Theory]
    [InlineData(XdpAttachFlags.None)]
    [InlineData(XdpAttachFlags.Generic)]
    [InlineData(XdpAttachFlags.Driver)] // veth has native XDP
    public void XdpCountsPacketsReceivedOnTheVethEnd(XdpAttachFlags flags)
    {
        using var pair = new NetworkNamespacePair();
        var obj = LoadObject();
        try
        {
            var program = obj.Programs["netatt_xdp"];
            using (var link = NetworkNamespacePair.RunIn(pair.NamespaceA, () => program.AttachXdp(pair.InterfaceA, flags)))
            {
                Assert.Equal(BpfAttachMethod.LinkCreate, link.Method);
                Assert.StartsWith($"xdp {pair.InterfaceA} (ifindex ", link.Target);
                Assert.Equal(program.GetInfo().Id, link.GetInfo()!.ProgramId);
                Assert.Equal(6u, link.GetInfo()!.Type); // BPF_LINK_TYPE_XDP
                NetworkNamespacePair.SendUdp(pair.NamespaceB, NetworkNamespacePair.AddressA, Port, Datagrams);
                AssertCounted(obj, "xdp_packets");
            }

            AssertNoLongerCounted(obj, "xdp_packets", pair);
        }
        finally
        {
            DisposeAndAssertGone(obj);
        }
    }

    [Theory]
    [InlineData(TcAttachMode.Tcx, TcxDirection.Ingress)]
    [InlineData(TcAttachMode.Tcx, TcxDirection.Egress)]
    [InlineData(TcAttachMode.Netlink, TcxDirection.Ingress)]
    [InlineData(TcAttachMode.Netlink, TcxDirection.Egress)]
    [InlineData(TcAttachMode.Automatic, TcxDirection.Ingress)]
    public void TcCountsPacketsOnEachPath(TcAttachMode mode, TcxDirection direction)
    {
        var expectedMethod = mode == TcAttachMode.Netlink || (mode == TcAttachMode.Automatic && !KernelFeatures.HasTcx)
            ? BpfAttachMethod.TcNetlinkFilter
            : BpfAttachMethod.LinkCreate;
        var (programName, counter, side) = direction == TcxDirection.Ingress
            ? ("netatt_tc_in", "tc_ingress_packets", "ingress")
            : ("netatt_tc_eg", "tc_egress_packets", "egress");
        using var pair = new NetworkNamespacePair();
        var obj = LoadObject();
        try
        {
            var program = obj.Programs[programName];
            using (var link = NetworkNamespacePair.RunIn(pair.NamespaceA, () => program.AttachTcx(pair.InterfaceA, direction, mode)))
            {
                Assert.Equal(expectedMethod, link.Method);
                var filters = NetworkNamespacePair.InNamespace(pair.NamespaceA, "tc", "filter", "show", "dev", pair.InterfaceA, side);
                if (expectedMethod == BpfAttachMethod.TcNetlinkFilter)
                {
                    // tc(8) as the oracle: a direct-action cls_bpf filter holding our program.
                    Assert.Contains(programName, filters);
                    Assert.Contains("direct-action", filters);
                    Assert.Null(link.LinkFd);
                }
                else
                {
                    Assert.DoesNotContain(programName, filters);
                    Assert.Equal(program.GetInfo().Id, link.GetInfo()!.ProgramId);
                }

                // Ingress: B sends to A; egress: A sends to B.
                if (direction == TcxDirection.Ingress)
                    NetworkNamespacePair.SendUdp(pair.NamespaceB, NetworkNamespacePair.AddressA, Port, Datagrams);
                else
                    NetworkNamespacePair.SendUdp(pair.NamespaceA, NetworkNamespacePair.AddressB, Port, Datagrams);
                AssertCounted(obj, counter);
            }

            Assert.DoesNotContain(programName, NetworkNamespacePair.InNamespace(pair.NamespaceA, "tc", "filter", "show", "dev", pair.InterfaceA, side));
        }
        finally
        {
            DisposeAndAssertGone(obj);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CgroupProgramsCountTheSocketsConnectionsAndPacketsOfAProcessInTheCgroup(bool progAttach)
    {
        var mode = progAttach ? CgroupAttachMode.ProgAttach : CgroupAttachMode.Automatic;
        using var cgroup = new TestCgroup();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var obj = LoadObject();
        try
        {
            var links = new List<BpfLink>
            {
                CgroupLink.Attach(obj.Programs["netatt_sock"], cgroup.Path, BpfAttachType.CgroupInetSockCreate, mode),
                CgroupLink.Attach(obj.Programs["netatt_conn4"], cgroup.Path, BpfAttachType.CgroupInet4Connect, mode),
                CgroupLink.Attach(obj.Programs["netatt_skb_in"], cgroup.Path, BpfAttachType.CgroupInetIngress, mode),
                CgroupLink.Attach(obj.Programs["netatt_skb_eg"], cgroup.Path, BpfAttachType.CgroupInetEgress, mode),
            };
            Assert.All(links, l => Assert.Equal(progAttach ? BpfAttachMethod.ProgAttach : BpfAttachMethod.LinkCreate, l.Method));
            Assert.Equal(["netatt_conn4", "netatt_skb_eg", "netatt_skb_in", "netatt_sock"], cgroup.AttachedProgramNames());

            // The cgroup is empty: nothing has counted yet.
            Assert.Equal(0ul, ObjectTestSupport.ReadU64(obj, "sockets_created"));
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            cgroup.RunShellInside($"exec 3<>/dev/tcp/127.0.0.1/{port} && echo hello >&3");
            using (var accepted = listener.AcceptTcpClient())
            {
                Assert.True(ObjectTestSupport.ReadU64(obj, "sockets_created") >= 1);
                Assert.Equal(1ul, ObjectTestSupport.ReadU64(obj, "connects"));
                Assert.True(ObjectTestSupport.ReadU64(obj, "cgroup_egress_packets") >= 2, "SYN and the data");
                Assert.True(ObjectTestSupport.ReadU64(obj, "cgroup_ingress_packets") >= 1, "SYN-ACK");
            }

            links.ForEach(l => l.Dispose());
            Assert.Empty(cgroup.AttachedProgramNames());
        }
        finally
        {
            DisposeAndAssertGone(obj);
        }
    }

    /// <summary>
    /// BpfLink.Disconnect on the attach kinds whose disposal undoes them by a call: the BPF_PROG_ATTACH to a cgroup and
    /// the cls_bpf filter stay after the link is disposed (the kernel holds them), until bpftool and tc remove them.
    /// </summary>
    [Fact]
    public void DisconnectedCgroupAndTcFilterAttachmentsStayAfterDispose()
    {
        using var pair = new NetworkNamespacePair();
        using var cgroup = new TestCgroup();
        var obj = LoadObject();
        try
        {
            var sockCreate = obj.Programs["netatt_sock"];
            using (var link = CgroupLink.Attach(sockCreate, cgroup.Path, BpfAttachType.CgroupInetSockCreate, CgroupAttachMode.ProgAttach))
                link.Disconnect();
            Assert.Equal(["netatt_sock"], cgroup.AttachedProgramNames());
            ExternalTool.RunChecked("bpftool", "cgroup", "detach", cgroup.Path, "sock_create", "id", $"{sockCreate.GetInfo().Id}");
            Assert.Empty(cgroup.AttachedProgramNames());

            using (var link = NetworkNamespacePair.RunIn(pair.NamespaceA, () => obj.Programs["netatt_tc_in"].AttachTcx(pair.InterfaceA, TcxDirection.Ingress, TcAttachMode.Netlink)))
                link.Disconnect();
            Assert.Contains("netatt_tc_in", NetworkNamespacePair.InNamespace(pair.NamespaceA, "tc", "filter", "show", "dev", pair.InterfaceA, "ingress"));
            NetworkNamespacePair.InNamespace(pair.NamespaceA, "tc", "filter", "del", "dev", pair.InterfaceA, "ingress");
            Assert.DoesNotContain("netatt_tc_in", NetworkNamespacePair.InNamespace(pair.NamespaceA, "tc", "filter", "show", "dev", pair.InterfaceA, "ingress"));
        }
        finally
        {
            DisposeAndAssertGone(obj);
        }
    }

    [Fact]
    public void SocketFilterCountsTheDatagramsItsSocketReceives()
    {
        using var pair = new NetworkNamespacePair();
        var obj = LoadObject();
        try
        {
            var program = obj.Programs["netatt_filter"];
            var received = NetworkNamespacePair.RunIn(pair.NamespaceA, () =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(NetworkNamespacePair.AddressA, Port));
                socket.ReceiveTimeout = 5000;
                using var link = program.AttachSocketFilter(socket);
                Assert.Equal(BpfAttachMethod.SocketOption, link.Method);
                NetworkNamespacePair.SendUdp(pair.NamespaceB, NetworkNamespacePair.AddressA, Port, Datagrams);
                var buffer = new byte[64];
                var count = 0;
                for (; count < Datagrams; count++)
                    Assert.Equal(14, socket.Receive(buffer)); // the filter kept every byte
                return count;
            });
            Assert.Equal(Datagrams, received);
            Assert.Equal((ulong)Datagrams, ObjectTestSupport.ReadU64(obj, "filtered_packets"));
        }
        finally
        {
            DisposeAndAssertGone(obj);
        }
    }

    [Fact]
    public void ADisconnectedSocketFilterKeepsCountingUntilItsSocketCloses()
    {
        using var pair = new NetworkNamespacePair();
        var obj = LoadObject();
        try
        {
            NetworkNamespacePair.RunIn(pair.NamespaceA, () =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(NetworkNamespacePair.AddressA, Port));
                socket.ReceiveTimeout = 5000;
                using (var link = obj.Programs["netatt_filter"].AttachSocketFilter(socket))
                    link.Disconnect();
                // No SO_DETACH_BPF: the filter still runs for every datagram the socket receives.
                NetworkNamespacePair.SendUdp(pair.NamespaceB, NetworkNamespacePair.AddressA, Port, Datagrams);
                var buffer = new byte[64];
                for (var i = 0; i < Datagrams; i++)
                    socket.Receive(buffer);
                return 0;
            });
            Assert.Equal((ulong)Datagrams, ObjectTestSupport.ReadU64(obj, "filtered_packets"));
        }
        finally
        {
            DisposeAndAssertGone(obj);
        }
    }

    [Fact]
    public void SkLookupCountsLookupsInTheNamespace()
    {
        using var pair = new NetworkNamespacePair();
        var obj = LoadObject();
        try
        {
            using (var link = obj.Programs["netatt_lookup"].AttachSkLookup(NetworkNamespacePair.NamespacePath(pair.NamespaceA)))
            {
                Assert.Equal(BpfAttachMethod.LinkCreate, link.Method);
                Assert.Equal(5u, link.GetInfo()!.Type); // BPF_LINK_TYPE_NETNS
                NetworkNamespacePair.SendUdp(pair.NamespaceB, NetworkNamespacePair.AddressA, Port, Datagrams);
                AssertCounted(obj, "lookups");
            }

            AssertNoLongerCounted(obj, "lookups", pair);
        }
        finally
        {
            DisposeAndAssertGone(obj);
        }
    }

    [Fact]
    public void SectionNamesChooseTheKindAndTheTargetSaysWhere()
    {
        using var pair = new NetworkNamespacePair();
        using var cgroup = new TestCgroup();
        var obj = LoadObject();
        try
        {
            var inA = new NetworkAttachTarget { Interface = pair.InterfaceA, NetnsPath = NetworkNamespacePair.NamespacePath(pair.NamespaceA), CgroupPath = cgroup.Path };
            var links = NetworkNamespacePair.RunIn(pair.NamespaceA, () => new[]
            {
                obj.AttachTo("netatt_xdp", inA),
                obj.AttachTo("netatt_tc_in", inA),
                obj.AttachTo("netatt_lookup", inA),
                obj.AttachTo("netatt_conn4", inA),
            });
            Assert.Equal(["xdp", "tcx/ingress", "sk_lookup", "cgroup"], links.Select(l => l.Target.Split(' ')[0]));
            Assert.Equal(4, obj.Links.Count);
            NetworkNamespacePair.SendUdp(pair.NamespaceB, NetworkNamespacePair.AddressA, Port, Datagrams);
            Assert.True(NetworkNamespacePair.WaitUntil(() => ObjectTestSupport.ReadU64(obj, "xdp_packets") >= Datagrams
                && ObjectTestSupport.ReadU64(obj, "tc_ingress_packets") >= Datagrams
                && ObjectTestSupport.ReadU64(obj, "lookups") >= Datagrams));

            var missing = Assert.Throws<ArgumentException>(() => obj.AttachTo("netatt_skb_in", new NetworkAttachTarget()));
            Assert.Contains("section \"cgroup_skb/ingress\"", missing.Message);
            Assert.Contains("NetworkAttachTarget.CgroupPath", missing.Message);
        }
        finally
        {
            DisposeAndAssertGone(obj); // the object disposes the links it made
        }
    }

    [Fact]
    public void ErrorsNameTheMissingThing()
    {
        var obj = LoadObject();
        try
        {
            var xdp = obj.Programs["netatt_xdp"];
            var noName = Assert.Throws<ArgumentException>(() => xdp.AttachXdp("rbnosuch0"));
            Assert.StartsWith("network interface \"rbnosuch0\" does not exist in this network namespace", noName.Message);

            var noIndex = Assert.Throws<BpfAttachException>(() => xdp.AttachXdp(987654));
            Assert.Equal("EINVAL", Assert.IsAssignableFrom<LinuxSyscallException>(noIndex.InnerException).ErrnoName); // what dev_xdp_attach_link says for a missing device
            Assert.StartsWith("program \"netatt_xdp\" on xdp ifindex 987654: bpf(BPF_LINK_CREATE) failed: EINVAL", noIndex.Message);
            Assert.Contains("hint: no network interface has index 987654", noIndex.Message);

            var noTcInterface = Assert.Throws<BpfAttachException>(() => obj.Programs["netatt_tc_in"].AttachTcx(987654, TcxDirection.Ingress, TcAttachMode.Netlink));
            Assert.StartsWith("program \"netatt_tc_in\" on tc clsact ingress ifindex 987654: rtnetlink(RTM_NEWQDISC) failed: ENODEV", noTcInterface.Message);

            var notCgroup = Assert.Throws<ArgumentException>(() => obj.Programs["netatt_conn4"].AttachCgroup("/tmp", BpfAttachType.CgroupInet4Connect));
            Assert.Contains("not a cgroup v2 directory; cgroup v2 is mounted at", notCgroup.Message);

            var wrongType = Assert.Throws<ArgumentException>(() => obj.Programs["netatt_tc_in"].AttachXdp("lo"));
            Assert.StartsWith("program \"netatt_tc_in\" is of type SCHED_CLS; XDP attaches BPF_PROG_TYPE_XDP programs", wrongType.Message);

            var noNetns = Assert.Throws<ArgumentException>(() => obj.Programs["netatt_lookup"].AttachSkLookup("/var/run/netns/rawbpf-att-net-none"));
            Assert.StartsWith("network namespace \"/var/run/netns/rawbpf-att-net-none\" does not exist", noNetns.Message);

            // This host (6.18) has tcx; a kernel without it (5.10 in tests/kernels) ends in the clean error instead.
            Assert.True(KernelFeatures.HasTcx);
            Assert.True(KernelFeatures.HasCgroupLink);
        }
        finally
        {
            DisposeAndAssertGone(obj);
        }
    }

    /// <summary>Waits until the program has counted at least <see cref="Datagrams"/> events into <paramref name="counter"/>.</summary>
    private static void AssertCounted(BpfObject obj, string counter) =>
        Assert.True(NetworkNamespacePair.WaitUntil(() => ObjectTestSupport.ReadU64(obj, counter) >= Datagrams), $"{counter} {ObjectTestSupport.ReadU64(obj, counter)}");

    /// <summary>After Dispose: more datagrams from B to A leave <paramref name="counter"/> where it was.</summary>
    private static void AssertNoLongerCounted(BpfObject obj, string counter, NetworkNamespacePair pair)
    {
        var afterDetach = ObjectTestSupport.ReadU64(obj, counter);
        NetworkNamespacePair.SendUdp(pair.NamespaceB, NetworkNamespacePair.AddressA, Port, Datagrams);
        Thread.Sleep(200);
        Assert.Equal(afterDetach, ObjectTestSupport.ReadU64(obj, counter));
    }

    private static BpfObject LoadObject()
    {
        var obj = ObjectTestSupport.OpenTestObject("net_attach.bpf.o");
        try
        {
            obj.Load();
            return obj;
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    /// <summary>Disposes the object, then requires bpftool to show none of its programs and no link to them.</summary>
    private static void DisposeAndAssertGone(BpfObject obj)
    {
        var ids = obj.Programs.Values.Select(p => p.GetInfo().Id).ToHashSet();
        obj.Dispose();
        List<string> remaining = [];
        Assert.True(
            NetworkNamespacePair.WaitUntil(() =>
            {
                remaining = [];
                foreach (var program in JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "-j", "prog", "show")).RootElement.EnumerateArray())
                {
                    if (ids.Contains(program.GetProperty("id").GetUInt32()))
                        remaining.Add("program " + program.GetProperty("name").GetString());
                }

                foreach (var link in JsonDocument.Parse(ExternalTool.RunChecked("bpftool", "-j", "link", "show")).RootElement.EnumerateArray())
                {
                    if (link.TryGetProperty("prog_id", out var programId) && ids.Contains(programId.GetUInt32()))
                        remaining.Add("link " + link.GetProperty("id").GetUInt32());
                }

                return remaining.Count == 0;
            }),
            "still loaded: " + string.Join(", ", remaining));
    }

    /// <summary>A cgroup v2 directory of its own under the cgroup2 mount, removed (its processes killed) at the end.</summary>
    private sealed class TestCgroup : IDisposable
    {
        private readonly List<Process> _processes = [];

        public TestCgroup()
        {
            Path = System.IO.Path.Join(Cgroup.MountPoints[0], $"rawbpf-att-net-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        /// <summary>`bpftool cgroup show` as the oracle: the names of the programs on this cgroup, sorted (it prints nothing for none).</summary>
        public List<string> AttachedProgramNames()
        {
            var output = System.Text.Encoding.UTF8.GetString(ExternalTool.RunChecked("bpftool", "-j", "cgroup", "show", Path)).Trim();
            return output.Length == 0
                ? []
                : JsonDocument.Parse(output).RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();
        }

        /// <summary>Runs a bash command line inside the cgroup (the shell moves itself in first) and waits for it.</summary>
        public void RunShellInside(string commandLine)
        {
            var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"echo $$ > {Path}/cgroup.procs && {commandLine}");
            var process = Process.Start(start)!;
            _processes.Add(process);
            var error = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(10_000), "the shell in the cgroup did not finish");
            Assert.True(process.ExitCode == 0, $"bash exited {process.ExitCode}: {error}");
        }

        public void Dispose()
        {
            foreach (var process in _processes)
            {
                if (!process.HasExited)
                    process.Kill();
                process.WaitForExit();
                process.Dispose();
            }

            if (Directory.Exists(Path))
                Directory.Delete(Path);
        }
    }
}
