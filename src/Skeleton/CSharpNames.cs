using System.Text;

namespace RawBpf.Skeleton;

/// <summary>C names as C# identifiers: snake_case to PascalCase, unique within a scope.</summary>
internal static class CSharpNames
{
    /// <summary>Members a struct inherits from <see cref="ValueType"/>: a field of that name would hide one (CS0108).</summary>
    private static readonly HashSet<string> InheritedMembers = ["Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone", "Finalize"];

    /// <summary><c>exitsnoop_event</c> → <c>ExitsnoopEvent</c>, <c>TASK_COMM_LEN</c> → <c>TaskCommLen</c>, <c>pid</c> → <c>Pid</c>.</summary>
    public static string Pascal(string cName)
    {
        var result = new StringBuilder(cName.Length);
        var allUpper = cName.Any(char.IsAsciiLetterUpper) && !cName.Any(char.IsAsciiLetterLower);
        foreach (var word in cName.Split(['_', '.', '-'], StringSplitOptions.RemoveEmptyEntries))
        {
            result.Append(char.ToUpperInvariant(word[0]));
            // An all-caps C constant reads as words (SHAPE_CIRCLE → ShapeCircle); camelCase keeps its humps.
            result.Append(allUpper ? word[1..].ToLowerInvariant() : word[1..]);
        }
        if (result.Length == 0 || !char.IsAsciiLetter(result[0]))
            result.Insert(0, 'V');
        return result.ToString();
    }

    /// <summary>A member name for <paramref name="cName"/> not yet in <paramref name="taken"/> and not the enclosing type's name.</summary>
    public static string UniqueMember(string cName, string enclosingType, HashSet<string> taken)
    {
        var name = Pascal(cName);
        if (name == enclosingType || InheritedMembers.Contains(name))
            name += "Value";
        return Unique(name, taken);
    }

    public static string Unique(string name, HashSet<string> taken)
    {
        var candidate = name;
        for (var i = 2; !taken.Add(candidate); i++)
            candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return candidate;
    }

    /// <summary>A C# string literal for a C name or path.</summary>
    public static string Literal(string value)
    {
        var result = new StringBuilder("\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => result.Append("\\\""),
                '\\' => result.Append("\\\\"),
                < ' ' or > '~' => result.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => result.Append(c),
            };
        }
        return result.Append('"').ToString();
    }
}
