namespace RawBpf.Uapi;

/// <summary>Sizes fixed by the uapi.</summary>
public static class BpfLimits
{
    /// <summary>BPF_OBJ_NAME_LEN: map and program names, including the terminating NUL.</summary>
    public const int ObjectNameLength = 16;

    /// <summary>BPF_TAG_SIZE: the program tag (a truncated SHA-1 of the instructions).</summary>
    public const int TagSize = 8;

    /// <summary>The part of <paramref name="name"/> the kernel keeps: the characters before the NUL.</summary>
    public static string TruncateObjectName(string name) =>
        name.Length < ObjectNameLength ? name : name[..(ObjectNameLength - 1)];
}
