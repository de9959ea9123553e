namespace RawBpf.Uapi;

/// <summary>Flags of BPF_MAP_UPDATE_ELEM.</summary>
public enum BpfMapUpdateFlags : ulong
{
    /// <summary>BPF_ANY: create or replace.</summary>
    Any = 0,

    /// <summary>BPF_NOEXIST: only create.</summary>
    NoExist = 1,

    /// <summary>BPF_EXIST: only replace.</summary>
    Exist = 2,
}
