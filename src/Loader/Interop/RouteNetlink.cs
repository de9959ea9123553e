using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// An rtnetlink (NETLINK_ROUTE) socket speaking the few tc requests a cls_bpf attachment needs, written by hand as
/// tc(8) and libbpf's netlink.c write them: <c>struct nlmsghdr</c>, <c>struct tcmsg</c>, then <c>struct rtattr</c>
/// attributes (linux/netlink.h, linux/rtnetlink.h, linux/pkt_cls.h). Every request asks for an ACK, whose
/// <c>struct nlmsgerr</c> carries the errno and, with NETLINK_EXT_ACK, the kernel's own text.
/// </summary>
internal sealed unsafe class RouteNetlinkSocket : FileDescriptorHandle
{
    public const ushort RTM_NEWQDISC = 36;
    public const ushort RTM_DELQDISC = 37;
    public const ushort RTM_NEWTFILTER = 44;
    public const ushort RTM_DELTFILTER = 45;

    public const ushort NLM_F_REQUEST = 0x01;
    public const ushort NLM_F_ACK = 0x04;
    public const ushort NLM_F_ECHO = 0x08;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;

    public const ushort TCA_KIND = 1;
    public const ushort TCA_OPTIONS = 2;
    public const ushort TCA_BPF_FD = 6;
    public const ushort TCA_BPF_NAME = 7;
    public const ushort TCA_BPF_FLAGS = 8;
    public const uint TCA_BPF_FLAG_ACT_DIRECT = 1;

    private const ushort NLMSG_ERROR = 2;
    private const ushort NLM_F_CAPPED = 0x100;
    private const ushort NLM_F_ACK_TLVS = 0x200;
    private const ushort NLMSGERR_ATTR_MSG = 1;
    private const int HeaderSize = 16;  // struct nlmsghdr
    private const int TcmsgSize = 20;   // struct tcmsg
    private const int ReceiveBufferSize = 32 * 1024;

    private uint _sequence;

    private RouteNetlinkSocket(int fd)
        : base(fd)
    {
    }

    /// <summary>socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), bound with nl_pid 0 (the kernel picks the port).</summary>
    public static RouteNetlinkSocket Open()
    {
        var fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE);
        if (fd < 0)
        {
            throw new LinuxSyscallException("socket(AF_NETLINK, NETLINK_ROUTE)", Marshal.GetLastPInvokeError());
        }

        var socket = new RouteNetlinkSocket(fd);
        try
        {
            var one = 1;
            Libc.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_EXT_ACK, &one, sizeof(int)); // best effort: text in errors (4.12+)
            Span<byte> address = stackalloc byte[12]; // struct sockaddr_nl { nl_family, nl_pad, nl_pid, nl_groups }
            address.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(address, Libc.AF_NETLINK);
            fixed (byte* pointer = address)
            {
                if (Libc.bind(fd, pointer, (uint)address.Length) < 0)
                {
                    throw new LinuxSyscallException("bind(AF_NETLINK)", Marshal.GetLastPInvokeError());
                }
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A tc request: nlmsghdr + tcmsg, attributes appended by the caller.</summary>
    public TcRequest NewTcRequest(ushort type, ushort flags, int ifindex, uint handle, uint parent, uint info) =>
        new(type, flags, ++_sequence, ifindex, handle, parent, info);

    /// <summary>
    /// Sends <paramref name="request"/> and reads until its ACK. Returns the errno the kernel answered with (0 on
    /// success) and, with NLM_F_ECHO, the tcmsg of the echoed object (handle, parent, info); a transport failure throws.
    /// </summary>
    public (int Errno, string? KernelMessage, TcMessage? Echo) Send(TcRequest request, string what)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = request.ToArray();
        var lease = Lease();
        try
        {
            var fd = (int)lease.Fd;
            nint sent;
            fixed (byte* pointer = message)
            {
                sent = Libc.send(fd, pointer, (nuint)message.Length, 0);
            }

            var sendErrno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (SyscallTrace.IsEnabled)
            {
                SyscallTrace.Emit("sendmsg", string.Create(CultureInfo.InvariantCulture, $"{fd}, rtnetlink {what} ({message.Length} bytes)"), sent, sendErrno);
            }

            if (sent < 0)
            {
                throw new LinuxSyscallException($"send(rtnetlink {what})", sendErrno);
            }

            return ReadUntilAck(fd, request.Sequence, what);
        }
        finally
        {
            lease.Dispose();
        }
    }

    private static (int Errno, string? KernelMessage, TcMessage? Echo) ReadUntilAck(int fd, uint sequence, string what)
    {
        var buffer = new byte[ReceiveBufferSize];
        TcMessage? echo = null;
        while (true)
        {
            nint received;
            fixed (byte* pointer = buffer)
            {
                received = Libc.recv(fd, pointer, (nuint)buffer.Length, 0);
            }

            if (received < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                throw new LinuxSyscallException($"recv(rtnetlink {what})", errno);
            }

            var data = buffer.AsSpan(0, (int)received);
            while (data.Length >= HeaderSize)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
                if (length < HeaderSize || length > data.Length)
                {
                    throw new LinuxSyscallException($"recv(rtnetlink {what})", Errno.EIO, $"a reply of {length} bytes in a datagram of {data.Length}: not netlink");
                }

                var type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
                var replySequence = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
                var payload = data[HeaderSize..length];
                if (replySequence == sequence)
                {
                    if (type == NLMSG_ERROR)
                    {
                        var error = -BinaryPrimitives.ReadInt32LittleEndian(payload);
                        return (error, error == 0 ? null : ExtendedAckMessage(payload, flags), echo);
                    }

                    if (payload.Length >= TcmsgSize)
                    {
                        echo = new TcMessage(
                            BinaryPrimitives.ReadInt32LittleEndian(payload[4..]),
                            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
                            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]),
                            BinaryPrimitives.ReadUInt32LittleEndian(payload[16..]));
                    }
                }

                data = data[Align(length)..];
            }
        }
    }

    /// <summary>NLMSGERR_ATTR_MSG from the TLVs after <c>struct nlmsgerr</c> (its request copy omitted when capped).</summary>
    private static string? ExtendedAckMessage(ReadOnlySpan<byte> payload, ushort flags)
    {
        if ((flags & NLM_F_ACK_TLVS) == 0 || payload.Length < 4 + HeaderSize)
        {
            return null;
        }

        var requestLength = (flags & NLM_F_CAPPED) != 0 ? HeaderSize : (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        var attributes = payload[Math.Min(payload.Length, 4 + Align(requestLength))..];
        while (attributes.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (length < 4 || length > attributes.Length)
            {
                break;
            }

            if (type == NLMSGERR_ATTR_MSG)
            {
                return Encoding.UTF8.GetString(attributes[4..length]).TrimEnd('\0');
            }

            attributes = attributes[Math.Min(attributes.Length, Align(length))..];
        }

        return null;
    }

    private static int Align(int length) => (length + 3) & ~3;

    /// <summary>One request being written: the header's length is filled in by <see cref="ToArray"/>.</summary>
    internal sealed class TcRequest
    {
        private readonly List<byte> _bytes = new(128);
        private readonly Stack<int> _nests = new();

        internal TcRequest(ushort type, ushort flags, uint sequence, int ifindex, uint handle, uint parent, uint info)
        {
            Sequence = sequence;
            Span<byte> header = stackalloc byte[HeaderSize + TcmsgSize];
            header.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], type);               // nlmsg_type
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);              // nlmsg_flags
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);           // nlmsg_seq
            BinaryPrimitives.WriteInt32LittleEndian(header[(HeaderSize + 4)..], ifindex); // tcm_ifindex (tcm_family AF_UNSPEC)
            BinaryPrimitives.WriteUInt32LittleEndian(header[(HeaderSize + 8)..], handle); // tcm_handle
            BinaryPrimitives.WriteUInt32LittleEndian(header[(HeaderSize + 12)..], parent); // tcm_parent
            BinaryPrimitives.WriteUInt32LittleEndian(header[(HeaderSize + 16)..], info);  // tcm_info
            _bytes.AddRange(header);
        }

        public uint Sequence { get; }

        public TcRequest Attribute(ushort type, ReadOnlySpan<byte> value)
        {
            Span<byte> header = stackalloc byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + value.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
            _bytes.AddRange(header);
            _bytes.AddRange(value);
            Pad();
            return this;
        }

        public TcRequest Attribute(ushort type, uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            return Attribute(type, bytes);
        }

        /// <summary>A NUL-terminated string attribute (NLA_STRING / NLA_NUL_STRING).</summary>
        public TcRequest Attribute(ushort type, string value) => Attribute(type, Encoding.UTF8.GetBytes(value + "\0"));

        /// <summary>Opens a nested attribute; <see cref="EndNest"/> writes its length.</summary>
        public TcRequest BeginNest(ushort type)
        {
            _nests.Push(_bytes.Count);
            return Attribute(type, ReadOnlySpan<byte>.Empty);
        }

        public TcRequest EndNest()
        {
            var start = _nests.Pop();
            var length = _bytes.Count - start;
            _bytes[start] = (byte)length;
            _bytes[start + 1] = (byte)(length >> 8);
            return this;
        }

        public byte[] ToArray()
        {
            var message = _bytes.ToArray();
            BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length); // nlmsg_len
            return message;
        }

        private void Pad()
        {
            while (_bytes.Count % 4 != 0)
            {
                _bytes.Add(0);
            }
        }
    }

    /// <summary>The fields of a <c>struct tcmsg</c> the kernel echoed back.</summary>
    internal readonly record struct TcMessage(int Ifindex, uint Handle, uint Parent, uint Info);
}
