using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>Where a typed .ksyms extern lives in the kernel's BTF: which BTF (0 vmlinux, then modules) and the id there.</summary>
public readonly record struct KsymTarget(int BtfIndex, int TypeId);

/// <summary>
/// libbpf's <c>bpf_object__resolve_ksym_func_btf_id</c> and <c>bpf_object__resolve_ksym_var_btf_id</c>: a kfunc
/// or typed kernel variable found by name in vmlinux, then in each module's BTF, and checked against the object's
/// declaration with <c>bpf_core_types_are_compat</c>. Untyped ksyms (<c>extern const void x __ksym</c>) are
/// addresses from /proc/kallsyms instead, which the loader reads.
/// </summary>
public static class KsymResolver
{
    /// <summary>Whether the extern is resolved through BTF (a kfunc, or a variable with a type).</summary>
    public static bool IsTyped(BpfExtern external)
    {
        ArgumentNullException.ThrowIfNull(external);
        return external.Kind == ExternKind.Ksym && (external.IsFunction || external.TypeId != 0);
    }

    /// <summary>
    /// The kernel BTF type of a typed ksym, or null: for a weak one the kernel does not have (<paramref name="error"/>
    /// null), or with <paramref name="error"/> saying why a strong one is missing or does not match the kernel's type.
    /// </summary>
    public static KsymTarget? Resolve(BpfExtern external, Btf localBtf, IReadOnlyList<Btf> kernelTypes, out string? error)
    {
        error = null;
        ArgumentNullException.ThrowIfNull(external);
        ArgumentNullException.ThrowIfNull(localBtf);
        ArgumentNullException.ThrowIfNull(kernelTypes);
        var kind = external.IsFunction ? BtfKind.Func : BtfKind.Var;
        // kfuncs may carry a ___flavor suffix (several declarations of one kfunc); variables are looked up as named.
        var name = external.IsFunction ? external.EssentialName : external.Name;
        var what = external.IsFunction ? "func ksym" : "var ksym";
        for (var index = 0; index < kernelTypes.Count; index++)
        {
            var btf = kernelTypes[index];
            var id = btf.FindTypeId(name, kind);
            // A module's split BTF answers for its own types only: vmlinux was searched first.
            if (id <= 0 || id < btf.FirstTypeId)
                continue;
            var kernelType = btf.GetType(id);
            var kernelTypeId = external.IsFunction ? kernelType.TypeId : btf.SkipModifiersAndTypedefs(kernelType.TypeId).Id;
            if (!BtfCompatibility.TypesCompatible(localBtf, external.TypeId, btf, kernelTypeId))
            {
                // A weak kfunc whose prototype differs counts as absent (libbpf 1.2+), so a program can probe for it.
                if (external.IsFunction && external.IsWeak)
                    return null;
                error = external.IsFunction
                    ? $"extern ({what}) '{external.Name}': func_proto [{external.TypeId}] is incompatible with the kernel's [{kernelTypeId}]"
                    : $"extern ({what}) '{external.Name}': incompatible types, the object has [{external.TypeId}] {Describe(localBtf, external.TypeId)}, the kernel [{kernelTypeId}] {Describe(btf, kernelTypeId)}";
                return null;
            }
            return new KsymTarget(index, id);
        }
        if (!external.IsWeak)
            error = $"extern ({what}) '{external.Name}': not found in the kernel's BTF (vmlinux or a module's)";
        return null;
    }

    private static string Describe(Btf btf, int id)
    {
        var type = btf.GetType(id);
        return type.Name.Length == 0 ? type.Kind.ToUapiName() : $"{type.Kind.ToUapiName()} '{type.Name}'";
    }
}
