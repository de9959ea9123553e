using System.Text;
using RawBpf.Uapi;

namespace RawBpf.Loader.Interop;

/// <summary>Turns the PascalCase enum members back into the uapi spelling for narration (PercpuArray → PERCPU_ARRAY).</summary>
internal static class UapiNames
{
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        var name = value.ToString();
        if (name.Length == 0 || char.IsDigit(name[0]) || name[0] == '-')
        {
            return name; // not a named member: print the number
        }

        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(name[i]));
        }

        return text.ToString();
    }

    public static string Command(BpfCommand command) => "BPF_" + Of(command);
}
