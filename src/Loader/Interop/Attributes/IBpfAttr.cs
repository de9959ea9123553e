using System.Globalization;
using System.Text;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>
/// One member of <c>union bpf_attr</c>, laid out exactly as the kernel reads it. bpf(2) is given
/// <c>sizeof</c> of the implementing struct, not of the whole union: the kernel copies that many bytes, treats
/// the rest as zero, and rejects (E2BIG) a larger size whose tail it does not understand unless it is zero.
/// </summary>
internal interface IBpfAttr
{
    /// <summary>Renders the fields that matter, with uapi names, for <see cref="SyscallTrace"/>.</summary>
    void Describe(StringBuilder text);
}

internal static unsafe class AttrText
{
    public static StringBuilder Field(this StringBuilder text, string name, ulong value)
    {
        if (text.Length > 0 && text[^1] is not ' ' and not '{')
        {
            text.Append(' ');
        }

        return text.Append(name).Append('=').Append(value.ToString(CultureInfo.InvariantCulture));
    }

    public static StringBuilder Field(this StringBuilder text, string name, string value)
    {
        if (text.Length > 0 && text[^1] is not ' ' and not '{')
        {
            text.Append(' ');
        }

        return text.Append(name).Append('=').Append(value);
    }

    /// <summary>A NUL-terminated fixed char array such as <c>map_name[BPF_OBJ_NAME_LEN]</c>.</summary>
    public static string FixedName(byte* bytes, int capacity)
    {
        var length = 0;
        while (length < capacity && bytes[length] != 0)
        {
            length++;
        }

        return Encoding.UTF8.GetString(bytes, length);
    }

    /// <summary>A NUL-terminated C string behind a <c>__aligned_u64</c> pointer field.</summary>
    public static string CString(ulong pointer) =>
        pointer == 0 ? "NULL" : "\"" + new string((sbyte*)pointer) + "\"";

    /// <summary>Copies a name into <c>char name[BPF_OBJ_NAME_LEN]</c>: at most 15 bytes plus NUL, and only the
    /// characters the kernel accepts (bpf_obj_name_cpy: alphanumerics, '_' and '.'), so a name never fails a load.</summary>
    public static void CopyObjectName(string? name, byte* destination)
    {
        if (string.IsNullOrEmpty(name))
        {
            return;
        }

        var written = 0;
        foreach (var c in name)
        {
            if (written == BpfLimits.ObjectNameLength - 1)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.')
            {
                destination[written++] = (byte)c;
            }
        }

        destination[written] = 0;
    }
}
