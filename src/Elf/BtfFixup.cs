using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>
/// Produces the object BTF as libbpf hands it to the kernel after <c>bpf_object__collect_externs</c> and
/// <c>btf_fixup_datasec</c>: clang leaves DATASEC sizes and VAR offsets zero, the kernel wants them real.
/// Kernel-feature sanitising (dropping kinds an old kernel lacks) is the loader's business, not done here.
/// </summary>
internal static class BtfFixup
{
    private const string DummyKsymName = "dummy_ksym";

    /// <summary>
    /// A corrected copy of <paramref name="obj"/>'s .BTF: each DATASEC gets its ELF section's size and its global
    /// VARs their symbols' offsets (hidden ones become static), sorted by offset; .kconfig VARs get their place
    /// in the .kconfig map; .ksyms VARs become 4-byte global ints and kfunc FUNCs global, pointing at an
    /// appended "dummy_ksym" VAR, as libbpf does. Returns null when the object has no BTF.
    /// </summary>
    public static byte[]? CreateKernelBtf(BpfObjectFile obj)
    {
        if (obj.Btf is not { } btf)
            return null;
        var writer = BtfWriter.From(btf);
        var ksyms = obj.ObjectBtf.FindDatasec(".ksyms");
        var intId = ksyms is null ? 0 : FindInt32(btf);
        var dummyId = 0;
        var dummyNameOffset = 0u;
        if (ksyms is { } k && HasFunction(btf, k))
        {
            // btf__add_var("dummy_ksym", BTF_VAR_GLOBAL_ALLOCATED, int): the stand-in for kfuncs in .ksyms.
            dummyId = writer.AddVar(DummyKsymName, intId, BtfLinkage.Global);
            dummyNameOffset = writer.AddString(DummyKsymName);
        }

        for (var id = 1; id <= btf.LastTypeId; id++)
        {
            var type = btf.GetType(id);
            if (type.Kind != BtfKind.Datasec)
                continue;
            var name = type.Name;
            if (name == ".kconfig")
                FixKconfig(obj, btf, type, writer);
            else if (name == ".ksyms")
                FixKsyms(btf, type, writer, intId, dummyId, dummyNameOffset);
            else
                FixDatasec(obj, type, writer);
            writer.SortDatasecVariables(id);
        }
        MarkHiddenFunctionsStatic(obj, btf, writer);
        return writer.ToArray();
    }

    /// <summary>
    /// libbpf's mark_btf_static: a global or weak .text function of hidden visibility (usdt.bpf.h's __weak __hidden
    /// bpf_usdt_arg) gets a static BTF FUNC, so the verifier checks it in each caller's context rather than alone.
    /// </summary>
    private static void MarkHiddenFunctionsStatic(BpfObjectFile obj, Btf btf, BtfWriter writer)
    {
        foreach (var function in obj.Functions)
        {
            if (!function.IsHidden || !function.IsSubprogram)
                continue;
            for (var id = 1; id <= btf.LastTypeId; id++)
            {
                var type = btf.GetType(id);
                if (type.Kind == BtfKind.Func && type.Linkage == BtfLinkage.Global && type.Name == function.Name)
                {
                    writer.SetFuncLinkage(id, BtfLinkage.Static);
                    break;
                }
            }
        }
    }

    private static void FixDatasec(BpfObjectFile obj, BtfType datasec, BtfWriter writer)
    {
        var section = obj.Sections.FirstOrDefault(s => s.Name == datasec.Name);
        if (datasec.Size == 0)
        {
            if (section is null || section.Size == 0)
                throw new ElfFormatException(datasec.Name, 0, $"DATASEC '{datasec.Name}' has no ELF section to take its size from");
            // btf_type.size is a u32; only SHT_NULL headers escape ElfImage's bounds checks with a larger sh_size.
            if (section.Size > uint.MaxValue)
                throw new ElfFormatException(datasec.Name, 0, $"DATASEC '{datasec.Name}': section size {section.Size} does not fit BTF's u32");
            writer.SetSizeOrType(datasec.Id, (uint)section.Size);
        }
        var fixedVariables = obj.ObjectBtf.FixedVariables(datasec, section);
        for (var i = 0; i < datasec.Vlen; i++)
        {
            var variable = datasec.Variables[i];
            var fixedVariable = fixedVariables.First(v => v.VarTypeId == variable.TypeId);
            writer.SetDatasecVariable(datasec.Id, i, variable.TypeId, fixedVariable.Offset, variable.Size);
            if (fixedVariable.IsHidden)
                writer.SetVarLinkage(variable.TypeId, BtfLinkage.Static);
        }
    }

    private static void FixKconfig(BpfObjectFile obj, Btf btf, BtfType datasec, BtfWriter writer)
    {
        var kconfig = obj.Externs.Where(e => e.Kind == ExternKind.Kconfig).ToList();
        var size = kconfig.Count == 0 ? 0 : kconfig.Max(e => e.KconfigOffset + e.KconfigSize);
        writer.SetSizeOrType(datasec.Id, (uint)size);
        for (var i = 0; i < datasec.Vlen; i++)
        {
            var variable = datasec.Variables[i];
            var name = RequireVar(btf, variable.TypeId, ".kconfig").Name;
            var external = kconfig.FirstOrDefault(e => e.Name == name)
                ?? throw new ElfFormatException(".kconfig", -1, $"no extern symbol for BTF VAR '{name}'");
            writer.SetVarLinkage(variable.TypeId, BtfLinkage.Global);
            writer.SetDatasecVariable(datasec.Id, i, variable.TypeId, (uint)external.KconfigOffset, variable.Size);
        }
    }

    private static void FixKsyms(Btf btf, BtfType datasec, BtfWriter writer, int intId, int dummyId, uint dummyNameOffset)
    {
        for (var i = 0; i < datasec.Vlen; i++)
        {
            var id = datasec.Variables[i].TypeId;
            var type = btf.GetType(id);
            if (type.Kind == BtfKind.Func)
            {
                // The FUNC stays (the kfunc's prototype), made global; the DATASEC points at the dummy VAR.
                var proto = btf.GetType(type.TypeId);
                for (var p = 0; p < proto.Params.Count; p++)
                {
                    var parameter = proto.Params[p];
                    if (parameter.TypeId != 0 && parameter.NameOffset == 0)
                        writer.SetParamName(proto.Id, p, dummyNameOffset);
                }
                writer.SetDatasecVariable(datasec.Id, i, dummyId, (uint)(i * 4), 4);
                writer.SetFuncLinkage(id, BtfLinkage.Global);
            }
            else
            {
                RequireVar(btf, id, ".ksyms");
                writer.SetSizeOrType(id, (uint)intId);
                writer.SetVarLinkage(id, BtfLinkage.Global);
                writer.SetDatasecVariable(datasec.Id, i, id, (uint)(i * 4), 4);
            }
        }
        writer.SetSizeOrType(datasec.Id, (uint)(datasec.Vlen * 4));
    }

    private static BtfType RequireVar(Btf btf, int id, string section)
    {
        var type = btf.GetType(id);
        return type.Kind == BtfKind.Var ? type
            : throw new ElfFormatException(section, -1, $"DATASEC '{section}': member [{id}] is {type.Kind.ToUapiName()}, expected VAR");
    }

    private static bool HasFunction(Btf btf, BtfType datasec)
    {
        foreach (var info in datasec.Variables)
        {
            if (btf.GetType(info.TypeId).Kind == BtfKind.Func)
                return true;
        }
        return false;
    }

    /// <summary>find_int_btf_id: the first 32-bit INT.</summary>
    private static int FindInt32(Btf btf)
    {
        for (var id = 1; id <= btf.LastTypeId; id++)
        {
            var type = btf.GetType(id);
            if (type.Kind == BtfKind.Int && type.IntBits == 32)
                return id;
        }
        return 0;
    }
}
