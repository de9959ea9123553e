using System.CommandLine;
using System.Text;
using RawBpf.Cli.Common;
using RawBpf.Loader.Host;
using RawBpf.Skeleton;
using RawBpf.Uapi;

namespace RawBpf.Cli;

/// <summary>
/// <c>rawbpf gen skeleton OBJ [-o FILE] [--namespace N] [--class C]</c>: the typed C# skeleton of a BPF object (as
/// <c>bpftool gen skeleton</c> writes a C header), the same text the RawBpf.Generator source generator adds at build time.
/// </summary>
internal static class GenSkeletonCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("OBJ") { Description = "A clang-built BPF object (.bpf.o)" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the C# file here instead of to standard output" };
        var ns = new Option<string?>("--namespace") { Description = "Namespace of the generated class (default: none)" };
        var className = new Option<string?>("--class") { Description = "Name of the generated class (default: from the object, exitsnoop.bpf.o → ExitsnoopSkeleton)" };
        var skeleton = new Command("skeleton", "Generate the typed C# skeleton of a BPF object") { path, output, ns, className };
        skeleton.SetAction(result => Generate(result.GetRequiredValue(path), result.GetValue(output), result.GetValue(ns), result.GetValue(className)));
        return new Command("gen", "Generate code from a BPF object") { skeleton };
    }

    private static int Generate(string path, string? output, string? ns, string? className)
    {
        var elf = InputFile.ReadAll(path, "BPF object");
        var source = ObjectInput.Parse(path, () => SkeletonGenerator.Generate(elf, path, new SkeletonOptions { Namespace = ns ?? "", ClassName = className }));
        var bytes = Encoding.UTF8.GetBytes(source);
        if (output is null)
        {
            StandardStream.Output.Write(bytes);
            StandardStream.Output.Flush();
            return ExitCodes.Success;
        }
        try
        {
            File.WriteAllBytes(output, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // .NET's own message would be a resource key in this build (UseSystemResourceKeys): say it from errno.
            var errno = e switch
            {
                UnauthorizedAccessException => Errno.EACCES,
                DirectoryNotFoundException or FileNotFoundException => Errno.ENOENT,
                _ when e.HResult is > 0 and < 4096 => e.HResult,
                _ => Errno.EIO,
            };
            var reason = Errno.Describe(errno);
            // Lower-case, as the tools print strerror ("cannot open BPF object: no such file or directory").
            throw new GenSkeletonException($"{output}: cannot write: {char.ToLowerInvariant(reason[0])}{reason[1..]}");
        }
        return ExitCodes.Success;
    }
}

/// <summary>A failure of <c>rawbpf gen skeleton</c> whose message is meant for the user as it stands.</summary>
internal sealed class GenSkeletonException(string message) : RawBpfException(message);
