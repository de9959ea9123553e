namespace RawBpf.BtfCore;

/// <summary>Name rules shared by type lookup and CO-RE.</summary>
public static class BtfNames
{
    /// <summary>
    /// Length of the essential part of a name: <c>task_struct___v2</c> → <c>task_struct</c>. As libbpf's
    /// <c>bpf_core_essential_name_len</c>, the last <c>X___Y</c> (X and Y not underscores) ends it.
    /// </summary>
    public static int EssentialNameLength(ReadOnlySpan<byte> name)
    {
        for (var i = name.Length - 5; i >= 0; i--)
        {
            if (name[i] != (byte)'_' && name[i + 1] == (byte)'_' && name[i + 2] == (byte)'_'
                && name[i + 3] == (byte)'_' && name[i + 4] != (byte)'_')
                return i + 1;
        }
        return name.Length;
    }
}
