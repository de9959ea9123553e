using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Uapi;

namespace RawBpf.Loader.Maps;

/// <summary>A BPF map: the fd BPF_MAP_CREATE (or BPF_OBJ_GET) returned plus the definition it was created with.</summary>
public sealed unsafe class BpfMap : IDisposable
{
    private BpfMap(BpfFileDescriptor fd, BpfMapType type, uint keySize, uint valueSize, uint maxEntries, BpfMapFlags flags, string name)
    {
        Fd = fd;
        Type = type;
        KeySize = keySize;
        ValueSize = valueSize;
        MaxEntries = maxEntries;
        Flags = flags;
        Name = name;
    }

    public BpfFileDescriptor Fd { get; }

    public BpfMapType Type { get; }

    public uint KeySize { get; }

    public uint ValueSize { get; }

    public uint MaxEntries { get; }

    public BpfMapFlags Flags { get; }

    /// <summary>The name as the kernel stores it (after truncation to 15 bytes).</summary>
    public string Name { get; }

    /// <summary>True for maps whose values have one slot per possible CPU in user space.</summary>
    public bool IsPerCpu => IsPerCpuType(Type);

    /// <summary>
    /// Bytes a value buffer must have for lookup/update: value_size, or for per-CPU maps round_up(value_size, 8)
    /// × possible CPUs (the kernel copies one 8-byte-aligned slot per possible CPU).
    /// </summary>
    public int ValueBufferSize => IsPerCpu ? PerCpuValueStride * CpuSet.PossibleCount : checked((int)ValueSize);

    /// <summary>Distance between two CPUs' slots in a per-CPU value buffer.</summary>
    public int PerCpuValueStride => (int)((ValueSize + 7) & ~7u);

    public static bool IsPerCpuType(BpfMapType type) =>
        type is BpfMapType.PercpuArray or BpfMapType.PercpuHash or BpfMapType.LruPercpuHash or BpfMapType.PercpuCgroupStorage;

    /// <summary>BPF_MAP_CREATE.</summary>
    public static BpfMap Create(BpfMapCreateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // As libbpf does before creating anything: a no-op on memcg-accounted kernels (5.11+).
        MemlockLimit.RaiseIfNeeded();
        var attr = new MapCreateAttr
        {
            MapType = (uint)options.Type,
            KeySize = options.KeySize,
            ValueSize = options.ValueSize,
            MaxEntries = options.MaxEntries,
            MapFlags = (uint)options.Flags,
            BtfKeyTypeId = options.BtfKeyTypeId,
            BtfValueTypeId = options.BtfValueTypeId,
            BtfVmlinuxValueTypeId = options.BtfVmlinuxValueTypeId,
            MapExtra = options.MapExtra,
        };
        AttrText.CopyObjectName(options.Name, attr.MapName);
        var name = AttrText.FixedName(attr.MapName, BpfLimits.ObjectNameLength);

        var btfLease = new FdLease(options.Btf?.Fd);
        var innerLease = new FdLease(options.InnerMap?.Fd);
        try
        {
            attr.BtfFd = btfLease.Fd;
            attr.InnerMapFd = innerLease.Fd;
            var fd = BpfSyscall.InvokeForFd(BpfCommand.MapCreate, ref attr, $"map \"{name}\" ({UapiNames.Of(options.Type)})");
            return new BpfMap(fd, options.Type, options.KeySize, options.ValueSize, options.MaxEntries, options.Flags, name);
        }
        finally
        {
            innerLease.Dispose();
            btfLease.Dispose();
        }
    }

    /// <summary>Wraps an fd obtained elsewhere (BPF_OBJ_GET, BPF_MAP_GET_FD_BY_ID), reading its definition from the kernel.</summary>
    public static BpfMap FromFd(BpfFileDescriptor fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        var info = ObjectInfo.GetMapInfo(fd);
        return new BpfMap(fd, info.Type, info.KeySize, info.ValueSize, info.MaxEntries, info.Flags, info.Name);
    }

    /// <summary>Opens a map pinned in bpffs (BPF_OBJ_GET).</summary>
    public static BpfMap OpenPinned(string path) => FromFd(BpfFs.GetPinned(path));

    /// <summary>BPF_MAP_LOOKUP_ELEM: copies the value into <paramref name="value"/>; false when the key is absent (ENOENT).</summary>
    public bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        CheckValue(value.Length);
        fixed (byte* keyPointer = key)
        fixed (byte* valuePointer = value)
        {
            using var lease = Fd.Lease();
            var attr = new MapElemAttr { MapFd = lease.Fd, Key = (ulong)keyPointer, Value = (ulong)valuePointer };
            if (BpfSyscall.Invoke(BpfCommand.MapLookupElem, ref attr, out var errno) == 0)
            {
                return true;
            }

            return errno == Errno.ENOENT ? false : throw new BpfSyscallException(BpfCommand.MapLookupElem, errno, Subject);
        }
    }

    /// <summary>BPF_MAP_UPDATE_ELEM.</summary>
    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckValue(value.Length);
        fixed (byte* keyPointer = key)
        fixed (byte* valuePointer = value)
        {
            using var lease = Fd.Lease();
            var attr = new MapElemAttr { MapFd = lease.Fd, Key = (ulong)keyPointer, Value = (ulong)valuePointer, Flags = (ulong)flags };
            BpfSyscall.InvokeOrThrow(BpfCommand.MapUpdateElem, ref attr, Subject);
        }
    }

    /// <summary>BPF_MAP_DELETE_ELEM; false when the key is absent (ENOENT). Arrays refuse deletion (EINVAL).</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        fixed (byte* keyPointer = key)
        {
            using var lease = Fd.Lease();
            var attr = new MapElemAttr { MapFd = lease.Fd, Key = (ulong)keyPointer };
            if (BpfSyscall.Invoke(BpfCommand.MapDeleteElem, ref attr, out var errno) == 0)
            {
                return true;
            }

            return errno == Errno.ENOENT ? false : throw new BpfSyscallException(BpfCommand.MapDeleteElem, errno, Subject);
        }
    }

    /// <summary>
    /// BPF_MAP_GET_NEXT_KEY: the key after <paramref name="key"/>, or the first key when <paramref name="key"/> is
    /// empty; false at the end. (A key that is not in the map also yields the first key, kernel behaviour.)
    /// </summary>
    public bool TryGetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (!key.IsEmpty)
        {
            CheckKey(key);
        }

        if (nextKey.Length != KeySize)
        {
            throw new ArgumentException($"map \"{Name}\": next key buffer is {nextKey.Length} bytes, key_size is {KeySize}", nameof(nextKey));
        }

        fixed (byte* keyPointer = key)
        fixed (byte* nextPointer = nextKey)
        {
            using var lease = Fd.Lease();
            var attr = new MapGetNextKeyAttr { MapFd = lease.Fd, Key = key.IsEmpty ? 0 : (ulong)keyPointer, NextKey = (ulong)nextPointer };
            if (BpfSyscall.Invoke(BpfCommand.MapGetNextKey, ref attr, out var errno) == 0)
            {
                return true;
            }

            return errno == Errno.ENOENT ? false : throw new BpfSyscallException(BpfCommand.MapGetNextKey, errno, Subject);
        }
    }

    /// <summary>Typed lookup for fixed-size keys and values.</summary>
    public bool TryLookup<TKey, TValue>(TKey key, out TValue value)
        where TKey : unmanaged
        where TValue : unmanaged
    {
        value = default;
        return TryLookup(AsBytes(ref key), MemoryMarshal.AsBytes(new Span<TValue>(ref value)));
    }

    /// <summary>Typed update for fixed-size keys and values.</summary>
    public void Update<TKey, TValue>(TKey key, TValue value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
        where TKey : unmanaged
        where TValue : unmanaged =>
        Update(AsBytes(ref key), AsBytes(ref value), flags);

    /// <summary>BPF_MAP_FREEZE (5.2): no more writes from user space; the verifier may then trust read-only contents.</summary>
    public void Freeze()
    {
        using var lease = Fd.Lease();
        var attr = new MapFreezeAttr { MapFd = lease.Fd };
        BpfSyscall.InvokeOrThrow(BpfCommand.MapFreeze, ref attr, Subject);
    }

    /// <summary>BPF_OBJ_PIN at <paramref name="path"/> (inside a mounted bpffs).</summary>
    public void Pin(string path) => BpfFs.Pin(Fd, path);

    /// <summary>BPF_OBJ_GET_INFO_BY_FD.</summary>
    public BpfMapInformation GetInfo() => ObjectInfo.GetMapInfo(Fd);

    public void Dispose() => Fd.Dispose();

    private string Subject => $"map \"{Name}\"";

    private static ReadOnlySpan<byte> AsBytes<T>(ref T value)
        where T : unmanaged =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<T>(ref value));

    private void CheckKey(ReadOnlySpan<byte> key)
    {
        // Maps without keys (queue, stack, ring buffer) take key_size 0 and a NULL key.
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"map \"{Name}\": key is {key.Length} bytes, key_size is {KeySize}", nameof(key));
        }
    }

    private void CheckValue(int length)
    {
        // The kernel copies exactly this many bytes: a shorter buffer would be overrun.
        if (length != ValueBufferSize)
        {
            throw new ArgumentException(
                $"map \"{Name}\": value buffer is {length} bytes, needs {ValueBufferSize}" + (IsPerCpu ? $" (round_up({ValueSize}, 8) × {CpuSet.PossibleCount} possible CPUs)" : string.Empty),
                nameof(length));
        }
    }
}
