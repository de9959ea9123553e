using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RawBpf.Tests.Shared;

namespace RawBpf.Skeleton.Tests;

/// <summary>
/// Every BPF object the build makes: its generated skeleton compiles with no warning (nullable, warnings as errors,
/// no unsafe code), each struct's runtime size is its C size, and clang, compiling the object's own C source with
/// _Static_asserts made from the generated layout, agrees on every struct's size and field offset and every enum value.
/// </summary>
public sealed partial class SkeletonLayoutTests
{
    public static TheoryData<string> Objects() => [.. RepoPaths.AllBpfObjects().Select(path => Path.GetRelativePath(RepoPaths.BpfObjects, path))];

    [Theory]
    [MemberData(nameof(Objects))]
    public void GeneratedLayoutIsClangs(string relativePath)
    {
        var path = Path.Combine(RepoPaths.BpfObjects, relativePath);
        var source = SkeletonGenerator.Generate(File.ReadAllBytes(path), path, new SkeletonOptions { Namespace = "Generated" });
        var assembly = CompileWithoutWarnings(source);
        var tree = CSharpSyntaxTree.ParseText(source);
        var structs = tree.GetRoot().DescendantNodes().OfType<StructDeclarationSyntax>()
            .Select(ParseStruct).OfType<GeneratedStruct>().ToDictionary(s => s.Name);
        foreach (var generated in structs.Values)
        {
            var type = assembly.GetType($"Generated.{SkeletonGenerator.DefaultClassName(path)}+{generated.Name}")!;
            var size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
            Assert.Equal(generated.Size, size);
        }
        var asserts = new StringBuilder();
        foreach (var generated in structs.Values.Where(s => s.CName != "(anonymous)"))
        {
            var cType = $"{generated.Keyword} {generated.CName}";
            asserts.Append($"_Static_assert(sizeof({cType}) == {generated.Size}, \"sizeof({cType})\");\n");
            AssertOffsets(asserts, cType, generated, "", 0, structs);
        }
        foreach (var enumeration in tree.GetRoot().DescendantNodes().OfType<EnumDeclarationSyntax>())
            AssertEnum(asserts, enumeration);
        CompileWithClang(relativePath, asserts.ToString());
    }

    private sealed record GeneratedField(string CName, int Offset, string TypeName);

    private sealed record GeneratedStruct(string Name, string Keyword, string CName, int Size, List<GeneratedField> Fields);

    [GeneratedRegex(@"C <c>(struct|union) ([^<]+)</c>")]
    private static partial Regex CompositeDoc();

    [GeneratedRegex(@"C <c>([^<]+)</c>")]
    private static partial Regex NameDoc();

    private static GeneratedStruct? ParseStruct(StructDeclarationSyntax declaration)
    {
        var doc = CompositeDoc().Match(declaration.GetLeadingTrivia().ToFullString());
        if (!doc.Success)
            return null;   // an inline array
        var size = int.Parse(Regex.Match(declaration.AttributeLists.ToString(), @"Size = (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var fields = new List<GeneratedField>();
        foreach (var field in declaration.Members.OfType<FieldDeclarationSyntax>())
        {
            var name = NameDoc().Match(field.GetLeadingTrivia().ToFullString());
            if (!name.Success)
                continue;   // a bitfield's storage unit
            var offset = int.Parse(Regex.Match(field.AttributeLists.ToString(), @"FieldOffset\((\d+)\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            fields.Add(new GeneratedField(name.Groups[1].Value, offset, field.Declaration.Type.ToString()));
        }
        return new GeneratedStruct(declaration.Identifier.Text, doc.Groups[1].Value, doc.Groups[2].Value, size, fields);
    }

    /// <summary>offsetof for each field; an anonymous struct's fields by their path (color.g), as C names them.</summary>
    private static void AssertOffsets(StringBuilder asserts, string cType, GeneratedStruct generated, string prefix, int baseOffset, Dictionary<string, GeneratedStruct> structs)
    {
        foreach (var field in generated.Fields)
        {
            var offset = baseOffset + field.Offset;
            asserts.Append($"_Static_assert(__builtin_offsetof({cType}, {prefix}{field.CName}) == {offset}, \"{cType} {prefix}{field.CName}\");\n");
            if (structs.TryGetValue(field.TypeName, out var nested) && nested.CName == "(anonymous)")
                AssertOffsets(asserts, cType, nested, $"{prefix}{field.CName}.", offset, structs);
        }
    }

    private static void AssertEnum(StringBuilder asserts, EnumDeclarationSyntax enumeration)
    {
        var doc = Regex.Match(enumeration.GetLeadingTrivia().ToFullString(), "C <c>enum ([^<]+)</c>");
        var size = enumeration.BaseList!.Types[0].ToString() switch
        {
            "byte" or "sbyte" => 1,
            "short" or "ushort" => 2,
            "int" or "uint" => 4,
            _ => 8,
        };
        if (doc.Groups[1].Value != "(anonymous)")
            asserts.Append($"_Static_assert(sizeof(enum {doc.Groups[1].Value}) == {size}, \"sizeof(enum {doc.Groups[1].Value})\");\n");
        foreach (var member in enumeration.Members)
        {
            var name = NameDoc().Match(member.GetLeadingTrivia().ToFullString()).Groups[1].Value;
            var value = member.EqualsValue!.Value.ToString();
            var literal = value.StartsWith('-') ? $"({value}LL)" : $"{value}ULL";
            asserts.Append($"_Static_assert({(value.StartsWith('-') ? "(long long)" : "(unsigned long long)")}{name} == {literal}, \"{name}\");\n");
        }
    }

    /// <summary>The object's C source, included as clang built it (bpf/bpf.proj's flags), then the asserts.</summary>
    private static void CompileWithClang(string relativePath, string asserts)
    {
        var name = Path.GetFileName(relativePath)[..^".o".Length] + ".c";
        var directory = Path.GetDirectoryName(relativePath) ?? "";
        var candidates = directory.Length == 0
            ? [Path.Combine(RepoPaths.Root, "bpf", name)]
            : new[] { "", "clang16", "rejected" }.Select(sub => Path.Combine(RepoPaths.Root, directory.Replace("tests", "tests/bpf", StringComparison.Ordinal), sub, name)).ToArray();
        var source = candidates.First(File.Exists);
        var compiler = source.Contains("/clang16/", StringComparison.Ordinal) ? "clang-16" : "clang";
        var check = Path.Combine(Path.GetTempPath(), $"skeleton-layout-{Environment.ProcessId}-{name}");
        File.WriteAllText(check, $"#include \"{source}\"\n{asserts}");
        try
        {
            var result = ExternalTool.Run(compiler, "-target", "bpf", "-O2", "-g", "-Wall", "-Werror", "-I", Path.Combine(RepoPaths.Root, "bpf", "include"),
                "-D__TARGET_ARCH_x86", "-idirafter", "/usr/include/x86_64-linux-gnu", "-c", check, "-o", "/dev/null");
            Assert.True(result.ExitCode == 0, $"{compiler} disagrees with the generated layout:\n{result.StandardError}\n{asserts}");
        }
        finally
        {
            File.Delete(check);
        }
    }

    /// <summary>Compiles a generated skeleton as a project here would: nullable, every warning an error, no unsafe code.</summary>
    private static Assembly CompileWithoutWarnings(string source)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "GeneratedSkeleton",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose))],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error, warningLevel: 9999, allowUnsafe: false));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var problems = emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(emitted.Success && problems.Count == 0, string.Join('\n', problems));
        image.Position = 0;
        return new AssemblyLoadContext("skeleton", isCollectible: true).LoadFromStream(image);
    }
}
