using System.Runtime.InteropServices;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// <c>union bpf_attr</c> for BPF_MAP_CREATE (the first anonymous struct). 72 bytes: up to and including
/// <c>map_extra</c> (5.16); older kernels accept the size because the fields they do not know are zero.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal unsafe struct MapCreateAttr : IBpfAttr
{
    [FieldOffset(0)] public uint MapType;                 // __u32 map_type: enum bpf_map_type
    [FieldOffset(4)] public uint KeySize;                 // __u32 key_size
    [FieldOffset(8)] public uint ValueSize;               // __u32 value_size
    [FieldOffset(12)] public uint MaxEntries;             // __u32 max_entries (RINGBUF: data size in bytes, a power-of-2 multiple of the page size)
    [FieldOffset(16)] public uint MapFlags;               // __u32 map_flags: BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_F_MMAPABLE...
    [FieldOffset(20)] public uint InnerMapFd;             // __u32 inner_map_fd: template for ARRAY_OF_MAPS/HASH_OF_MAPS
    [FieldOffset(24)] public uint NumaNode;               // __u32 numa_node (only with BPF_F_NUMA_NODE)
    [FieldOffset(28)] public fixed byte MapName[16];      // char map_name[BPF_OBJ_NAME_LEN] (4.15+)
    [FieldOffset(44)] public uint MapIfindex;             // __u32 map_ifindex: offload device
    [FieldOffset(48)] public uint BtfFd;                  // __u32 btf_fd: the object's BTF, loaded by BPF_BTF_LOAD
    [FieldOffset(52)] public uint BtfKeyTypeId;           // __u32 btf_key_type_id
    [FieldOffset(56)] public uint BtfValueTypeId;         // __u32 btf_value_type_id
    [FieldOffset(60)] public uint BtfVmlinuxValueTypeId;  // __u32 btf_vmlinux_value_type_id (STRUCT_OPS)
    [FieldOffset(64)] public ulong MapExtra;              // __u64 map_extra: BLOOM_FILTER hash count, ARENA address

    public readonly void Describe(StringBuilder text)
    {
        text.Field("map_type", UapiNames.Of((BpfMapType)MapType))
            .Field("key_size", KeySize).Field("value_size", ValueSize).Field("max_entries", MaxEntries);
        if (MapFlags != 0)
        {
            text.Field("map_flags", "0x" + MapFlags.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (InnerMapFd != 0)
        {
            text.Field("inner_map_fd", InnerMapFd);
        }

        fixed (byte* name = MapName)
        {
            if (name[0] != 0)
            {
                text.Field("name", AttrText.FixedName(name, 16));
            }
        }

        if (BtfFd != 0)
        {
            text.Field("btf_fd", BtfFd).Field("btf_key_type_id", BtfKeyTypeId).Field("btf_value_type_id", BtfValueTypeId);
        }
    }
}
