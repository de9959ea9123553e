using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RawBpf.Skeleton;

namespace RawBpf.Generator;

/// <summary>
/// Adds the typed skeleton of each BPF object passed as an <c>AdditionalFiles</c> item with <c>RawBpfSkeleton="true"</c>
/// metadata (what a <c>&lt;BpfObject Include="x.bpf.o" /&gt;</c> item becomes): <c>XSkeleton</c> in the project's root
/// namespace unless the item's <c>Namespace</c>/<c>ClassName</c> metadata say otherwise.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SkeletonSourceGenerator : IIncrementalGenerator
{
    private static readonly DiagnosticDescriptor Failed = new(
        "RAWBPF001", "No skeleton for a BPF object", "{0}", "RawBpf", DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var requests = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, _) => Request(pair.Left, pair.Right))
            .Where(static request => request is not null);
        context.RegisterSourceOutput(requests, static (output, request) => Generate(output, request!));
    }

    private sealed record SkeletonRequest(string Path, string Namespace, string? ClassName);

    private static SkeletonRequest? Request(AdditionalText file, AnalyzerConfigOptionsProvider options)
    {
        var metadata = options.GetOptions(file);
        if (!metadata.TryGetValue("build_metadata.AdditionalFiles.RawBpfSkeleton", out var flag) || flag != "true")
            return null;
        var ns = metadata.TryGetValue("build_metadata.AdditionalFiles.Namespace", out var itemNamespace) && itemNamespace.Length > 0
            ? itemNamespace
            : options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var root) ? root : "";
        var className = metadata.TryGetValue("build_metadata.AdditionalFiles.ClassName", out var name) && name.Length > 0 ? name : null;
        return new SkeletonRequest(file.Path, ns, className);
    }

    private static void Generate(SourceProductionContext output, SkeletonRequest request)
    {
        try
        {
            // An object is bytes, not text: AdditionalText would decode it, so the file is read as it is.
#pragma warning disable RS1035 // no file IO in analyzers: there is no binary AdditionalFiles API
            var bytes = File.ReadAllBytes(request.Path);
#pragma warning restore RS1035
            var options = new SkeletonOptions { Namespace = request.Namespace, ClassName = request.ClassName };
            var source = SkeletonGenerator.Generate(bytes, request.Path, options);
            output.AddSource((request.ClassName ?? SkeletonGenerator.DefaultClassName(request.Path)) + ".g.cs", source);
        }
        catch (Exception e) when (e is RawBpfException or IOException or UnauthorizedAccessException)
        {
            output.ReportDiagnostic(Diagnostic.Create(Failed, Location.None, $"{request.Path}: {e.Message}"));
        }
    }
}
