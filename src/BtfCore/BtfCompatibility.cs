using RawBpf.BtfCore.Core;

namespace RawBpf.BtfCore;

/// <summary>libbpf's type compatibility between an object's BTF and the kernel's, for callers outside CO-RE.</summary>
internal static class BtfCompatibility
{
    /// <summary>
    /// <c>bpf_core_types_are_compat</c>: may the local type stand for the target one (same kinds through pointers,
    /// arrays and prototypes; names are not compared). libbpf checks .ksyms externs with it.
    /// </summary>
    public static bool TypesCompatible(Btf localBtf, int localId, Btf targetBtf, int targetId)
    {
        ArgumentNullException.ThrowIfNull(localBtf);
        ArgumentNullException.ThrowIfNull(targetBtf);
        try
        {
            return CoreTypeRules.TypesCompatible(localBtf, localId, targetBtf, targetId);
        }
        catch (CoreMatchException)
        {
            // Nesting too deep to decide: libbpf's negative answer, which its callers treat as incompatible.
            return false;
        }
    }
}
