using System.Buffers.Binary;
using System.Text;
using RawBpf.BtfCore;

namespace RawBpf.Elf;

/// <summary>
/// Produces the object BTF as libbpf hands it to the kernel after <c>bpf_object__collect_externs</c> and
/// <c>btf_fixup_datasec</c>: clang leaves DATASEC sizes and VAR offsets zero, the kernel wants them real.
/// Kernel-feature sanitising (dropping kinds an old kernel lacks) is the loader's business, not done here.
/// </summary>
public static class BtfFixup
{
    private const int HeaderSize = 24;
    private const int TypeHeaderSize = 12;
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
        var original = btf.RawData.Span;
        var headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(original[4..]);
        var typeOff = (int)BinaryPrimitives.ReadUInt32LittleEndian(original[8..]);
        var typeLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(original[12..]);
        var strOff = (int)BinaryPrimitives.ReadUInt32LittleEndian(original[16..]);
        var strLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(original[20..]);
        var types = original.Slice(headerLength + typeOff, typeLen).ToArray();
        var strings = original.Slice(headerLength + strOff, strLen).ToArray();
        var offsets = IndexTypes(types);

        var ksyms = obj.FindDatasec(".ksyms");
        var needsDummy = ksyms is { } k && HasFunction(btf, k);
        var dummyId = needsDummy ? btf.LastTypeId + 1 : 0;
        var dummyNameOffset = (uint)strings.Length;
        var intId = ksyms is null ? 0 : FindInt32(btf);

        for (var id = 1; id <= btf.LastTypeId; id++)
        {
            var type = btf.GetType(id);
            if (type.Kind != BtfKind.Datasec)
                continue;
            var at = offsets[id - 1];
            var name = type.Name;
            if (name == ".kconfig")
                FixKconfig(obj, btf, types, at, offsets);
            else if (name == ".ksyms")
                FixKsyms(btf, types, at, offsets, intId, dummyId, dummyNameOffset);
            else
                FixDatasec(obj, btf, type, types, at, offsets);
            SortVariables(types, at, type.Vlen);
        }

        if (needsDummy)
        {
            // btf__add_var("dummy_ksym", BTF_VAR_GLOBAL_ALLOCATED, int): the stand-in for kfuncs in .ksyms.
            var extra = new byte[TypeHeaderSize + 4];
            BinaryPrimitives.WriteUInt32LittleEndian(extra, dummyNameOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(extra.AsSpan(4), (uint)BtfKind.Var << 24);
            BinaryPrimitives.WriteUInt32LittleEndian(extra.AsSpan(8), (uint)intId);
            BinaryPrimitives.WriteUInt32LittleEndian(extra.AsSpan(12), (uint)BtfLinkage.Global);
            types = [.. types, .. extra];
            strings = [.. strings, .. Encoding.ASCII.GetBytes(DummyKsymName + "\0")];
        }

        // Header, types, strings: the layout clang and libbpf write.
        var result = new byte[HeaderSize + types.Length + strings.Length];
        original[..8].CopyTo(result);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(12), (uint)types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(16), (uint)types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(20), (uint)strings.Length);
        types.CopyTo(result, HeaderSize);
        strings.CopyTo(result, HeaderSize + types.Length);
        return result;
    }

    private static void FixDatasec(BpfObjectFile obj, Btf btf, BtfType datasec, byte[] types, int at, int[] offsets)
    {
        var section = obj.Sections.FirstOrDefault(s => s.Name == datasec.Name);
        if (datasec.Size == 0)
        {
            if (section is null || section.Size == 0)
                throw new ElfFormatException(datasec.Name, 0, $"DATASEC '{datasec.Name}' has no ELF section to take its size from");
            // btf_type.size is a u32; only SHT_NULL headers escape ElfImage's bounds checks with a larger sh_size.
            if (section.Size > uint.MaxValue)
                throw new ElfFormatException(datasec.Name, 0, $"DATASEC '{datasec.Name}': section size {section.Size} does not fit BTF's u32");
            BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(at + 8), (uint)section.Size);
        }
        var fixedVariables = obj.FixedVariables(datasec, section);
        for (var i = 0; i < datasec.Vlen; i++)
        {
            var record = at + TypeHeaderSize + i * 12;
            var varId = (int)BinaryPrimitives.ReadUInt32LittleEndian(types.AsSpan(record));
            var fixedVariable = fixedVariables.First(v => v.VarTypeId == varId);
            BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(record + 4), fixedVariable.Offset);
            if (fixedVariable.IsHidden)
                BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(offsets[varId - 1] + TypeHeaderSize), (uint)BtfLinkage.Static);
        }
    }

    private static void FixKconfig(BpfObjectFile obj, Btf btf, byte[] types, int at, int[] offsets)
    {
        var kconfig = obj.Externs.Where(e => e.Kind == ExternKind.Kconfig).ToList();
        var size = kconfig.Count == 0 ? 0 : kconfig.Max(e => e.KconfigOffset + e.KconfigSize);
        BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(at + 8), (uint)size);
        var vlen = btf.GetType(IdAt(offsets, at)).Vlen;
        for (var i = 0; i < vlen; i++)
        {
            var record = at + TypeHeaderSize + i * 12;
            var varId = (int)BinaryPrimitives.ReadUInt32LittleEndian(types.AsSpan(record));
            var name = btf.GetType(varId).Name;
            var external = kconfig.FirstOrDefault(e => e.Name == name)
                ?? throw new ElfFormatException(".kconfig", -1, $"no extern symbol for BTF VAR '{name}'");
            BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(offsets[varId - 1] + TypeHeaderSize), (uint)BtfLinkage.Global);
            BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(record + 4), (uint)external.KconfigOffset);
        }
    }

    private static void FixKsyms(Btf btf, byte[] types, int at, int[] offsets, int intId, int dummyId, uint dummyNameOffset)
    {
        var vlen = btf.GetType(IdAt(offsets, at)).Vlen;
        for (var i = 0; i < vlen; i++)
        {
            var record = at + TypeHeaderSize + i * 12;
            var id = (int)BinaryPrimitives.ReadUInt32LittleEndian(types.AsSpan(record));
            var type = btf.GetType(id);
            var typeAt = offsets[id - 1];
            if (type.Kind == BtfKind.Func)
            {
                // The FUNC stays (the kfunc's prototype), made global; the DATASEC points at the dummy VAR.
                var proto = btf.GetType(type.TypeId);
                var protoAt = offsets[proto.Id - 1];
                for (var p = 0; p < proto.Vlen; p++)
                {
                    var param = protoAt + TypeHeaderSize + p * 8;
                    if (BinaryPrimitives.ReadUInt32LittleEndian(types.AsSpan(param + 4)) != 0 && BinaryPrimitives.ReadUInt32LittleEndian(types.AsSpan(param)) == 0)
                        BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(param), dummyNameOffset);
                }
                BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(record), (uint)dummyId);
                var info = BinaryPrimitives.ReadUInt32LittleEndian(types.AsSpan(typeAt + 4));
                BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(typeAt + 4), (info & ~0xffffu) | (uint)BtfLinkage.Global);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(typeAt + 8), (uint)intId);
                BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(typeAt + TypeHeaderSize), (uint)BtfLinkage.Global);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(record + 4), (uint)(i * 4));
            BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(record + 8), 4);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(at + 8), (uint)(vlen * 4));
    }

    private static void SortVariables(byte[] types, int at, int vlen)
    {
        var records = new (uint Type, uint Offset, uint Size)[vlen];
        for (var i = 0; i < vlen; i++)
        {
            var r = types.AsSpan(at + TypeHeaderSize + i * 12);
            records[i] = (BinaryPrimitives.ReadUInt32LittleEndian(r), BinaryPrimitives.ReadUInt32LittleEndian(r[4..]), BinaryPrimitives.ReadUInt32LittleEndian(r[8..]));
        }
        var sorted = StableOrder.ByKey(records, r => r.Offset);   // stable: equal offsets keep their order
        for (var i = 0; i < vlen; i++)
        {
            var r = types.AsSpan(at + TypeHeaderSize + i * 12);
            BinaryPrimitives.WriteUInt32LittleEndian(r, sorted[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(r[4..], sorted[i].Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(r[8..], sorted[i].Size);
        }
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

    private static int IdAt(int[] offsets, int at) => Array.IndexOf(offsets, at) + 1;

    /// <summary>The start of each type within the type section (already validated by <see cref="Btf"/>).</summary>
    private static int[] IndexTypes(byte[] types)
    {
        var offsets = new List<int>();
        var position = 0;
        while (position < types.Length)
        {
            offsets.Add(position);
            var info = BinaryPrimitives.ReadUInt32LittleEndian(types.AsSpan(position + 4));
            var kind = (BtfKind)((info >> 24) & 0x1f);
            var vlen = (int)(info & 0xffff);
            position += TypeHeaderSize + kind switch
            {
                BtfKind.Int or BtfKind.Var or BtfKind.DeclTag => 4,
                BtfKind.Array => 12,
                BtfKind.Struct or BtfKind.Union or BtfKind.Datasec or BtfKind.Enum64 => 12 * vlen,
                BtfKind.Enum or BtfKind.FuncProto => 8 * vlen,
                _ => 0,
            };
        }
        return [.. offsets];
    }
}
