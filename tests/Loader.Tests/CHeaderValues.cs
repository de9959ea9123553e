using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using RawBpf.Tests.Shared;

namespace RawBpf.Loader.Tests;

/// <summary>
/// Evaluates C constant expressions (offsetof, sizeof, macros) with a real C compiler for one architecture:
/// gcc for x86-64, aarch64-linux-gnu-gcc (Debian's cross compiler, with the arm64 glibc and uapi headers) for
/// arm64. Each value is emitted into the assembly as an <c>.ascii "->NAME VALUE"</c> line (the kernel's
/// asm-offsets technique), so nothing has to run on the target.
/// </summary>
internal static partial class CHeaderValues
{
    /// <summary>The headers every expression may use; END(type, member) is offsetofend.</summary>
    private const string Prelude = """
        #define _GNU_SOURCE
        #include <stddef.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <sys/epoll.h>
        #include <sys/eventfd.h>
        #include <sys/mman.h>
        #include <sys/resource.h>
        #include <sys/stat.h>
        #include <sys/statfs.h>
        #include <sys/syscall.h>
        #include <linux/bpf.h>
        #include <linux/perf_event.h>
        #define END(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
        #define SIZE(type, member) sizeof(((type *)0)->member)
        #define V(name, value) __asm__ volatile("\n.ascii \"->" #name " %0\"" : : "i"((long)(value)))
        """;

    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, long>> Cache = new();

    /// <summary>The values of <paramref name="expressions"/> (name → C expression) as <paramref name="compiler"/> computes them.</summary>
    public static IReadOnlyDictionary<string, long> Evaluate(string compiler, IReadOnlyDictionary<string, string> expressions)
    {
        var source = new StringBuilder(Prelude).Append("\nvoid values(void)\n{\n");
        foreach (var (name, expression) in expressions.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            source.Append(CultureInfo.InvariantCulture, $"    V({name}, {expression});\n");
        source.Append("}\n");
        var text = source.ToString();
        return Cache.GetOrAdd(compiler + "\n" + text, _ => Compile(compiler, text));
    }

    private static IReadOnlyDictionary<string, long> Compile(string compiler, string source)
    {
        var file = Path.Combine(Path.GetTempPath(), $"rawbpf-layout-{Environment.ProcessId}-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, source);
        try
        {
            var assembly = Encoding.UTF8.GetString(ExternalTool.RunChecked(compiler, "-S", "-o", "-", file));
            // x86-64 prints an immediate as $N, arm64 as N (or #N).
            return ValueLine().Matches(assembly).ToDictionary(
                match => match.Groups[1].Value,
                match => long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [GeneratedRegex(@"->(\w+) [$#]?(-?\d+)")]
    private static partial Regex ValueLine();
}
