namespace RawBpf.Loader.Host;

/// <summary>Reads /proc/self/mountinfo (proc(5)): field 5 is the mount point, the field after " - " the fs type.</summary>
internal static class MountInfo
{
    public static List<string> FindMountPoints(string fileSystemType)
    {
        var mountPoints = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var after = line[(separator + 3)..];
            var typeEnd = after.IndexOf(' ', StringComparison.Ordinal);
            var type = typeEnd < 0 ? after : after[..typeEnd];
            if (type != fileSystemType)
            {
                continue;
            }

            var fields = line[..separator].Split(' ');
            if (fields.Length >= 5)
            {
                mountPoints.Add(Unescape(fields[4]));
            }
        }

        return mountPoints;
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo octal.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                text.Append((char)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    private static bool IsOctal(string text, int start) =>
        start + 2 < text.Length && text[start] is >= '0' and <= '7' && text[start + 1] is >= '0' and <= '7' && text[start + 2] is >= '0' and <= '7';
}
