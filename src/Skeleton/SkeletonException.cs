namespace RawBpf.Skeleton;

/// <summary>An object whose BTF has a type the skeleton cannot express in C# (the message names the object and type).</summary>
public sealed class SkeletonException(string message) : RawBpfFormatException(message);
