namespace RawBpf.Skeleton;

/// <summary>Where the generated skeleton class goes and what it is called.</summary>
public sealed record SkeletonOptions
{
    /// <summary>The namespace of the class; empty for the global namespace.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>The class name; null for the object's name in PascalCase + "Skeleton" (exitsnoop.bpf.o → ExitsnoopSkeleton).</summary>
    public string? ClassName { get; init; }

    /// <summary>Whether the class carries the object's bytes (static data), so the application needs no file at run time.</summary>
    public bool EmbedObject { get; init; } = true;
}
