using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using RawBpf.Tests.Shared;

namespace RawBpf.Skeleton.Tests;

/// <summary>RawBpf.Generator run by Roslyn's generator driver, as the compiler runs it for a project's BpfObject items.</summary>
public sealed class SkeletonSourceGeneratorTests
{
    [Fact]
    public void A_BpfObject_item_becomes_its_skeleton_in_the_root_namespace()
    {
        var path = Path.Combine(RepoPaths.BpfObjects, "exitsnoop.bpf.o");
        var (sources, diagnostics) = Run(path, new() { ["build_metadata.AdditionalFiles.RawBpfSkeleton"] = "true" });
        Assert.Empty(diagnostics);
        var expected = SkeletonGenerator.Generate(File.ReadAllBytes(path), path, new SkeletonOptions { Namespace = "My.App" });
        Assert.Equal(expected, Assert.Single(sources));
    }

    [Fact]
    public void Other_additional_files_are_left_alone()
    {
        var (sources, diagnostics) = Run(Path.Combine(RepoPaths.BpfObjects, "exitsnoop.bpf.o"), []);
        Assert.Empty(sources);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void A_file_that_is_no_object_is_a_build_error_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"skeleton-generator-{Environment.ProcessId}.bpf.o");
        File.WriteAllBytes(path, new byte[100]);
        try
        {
            var (sources, diagnostics) = Run(path, new() { ["build_metadata.AdditionalFiles.RawBpfSkeleton"] = "true" });
            Assert.Empty(sources);
            var error = Assert.Single(diagnostics);
            Assert.Equal(("RAWBPF001", DiagnosticSeverity.Error), (error.Id, error.Severity));
            Assert.Equal($"{path}: ELF header: not an ELF file (bad magic) (at offset 0)", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (List<string> Sources, ImmutableArray<Diagnostic> Diagnostics) Run(string path, Dictionary<string, string> metadata)
    {
        // Where RawBpf.Generator.InRepository.targets builds it for this project.
        var assembly = Assembly.LoadFrom(Path.Combine(RepoPaths.Root, "src", "Generator", "bin", "Release", "net10.0", "RawBpf.Generator.dll"));
        var generator = (IIncrementalGenerator)Activator.CreateInstance(assembly.GetType("RawBpf.Generator.SkeletonSourceGenerator", throwOnError: true)!)!;
        var driver = CSharpGeneratorDriver.Create([generator.AsSourceGenerator()], [new ObjectFile(path)],
            optionsProvider: new Options(metadata, new() { ["build_property.RootNamespace"] = "My.App" }));
        var result = driver.RunGenerators(CSharpCompilation.Create("app")).GetRunResult();
        return (result.GeneratedTrees.Select(tree => tree.ToString()).ToList(), result.Diagnostics);
    }

    private sealed class ObjectFile(string path) : AdditionalText
    {
        public override string Path => path;

        public override SourceText? GetText(CancellationToken cancellationToken = default) => null;
    }

    private sealed class Options(Dictionary<string, string> itemOptions, Dictionary<string, string> globalOptions) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions => new Values(globalOptions);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Values(itemOptions);
    }

    private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
