using System.Buffers.Binary;
using System.Text;
using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf.Tests.Fuzz;

/// <summary>What a mutant is fed to: each target runs its own slice of the pure pipeline (see <see cref="FuzzPipeline"/>).</summary>
public enum FuzzTarget
{
    /// <summary>A whole object: parse, walk the model, fix up BTF, sanitize, dump, CO-RE against vmlinux.</summary>
    Elf,
    /// <summary>An object's raw .BTF: parse, walk, sanitize and re-parse, dump.</summary>
    Btf,
    /// <summary>An object's .BTF.ext parsed against the object's own BTF, walked, then CO-RE applied to its programs.</summary>
    BtfExt,
    /// <summary>A whole object, parsed, then only CO-RE (the engine's own fuzz target).</summary>
    Core,
    /// <summary>A slice of the kernel's BTF as split BTF on top of vmlinux.</summary>
    KernelBtf,
}

/// <summary>A field a mutation may overwrite with a huge or boundary value: its byte offset and width (1, 2, 4, 8).</summary>
public readonly record struct FuzzField(int Offset, int Width);

/// <summary>A byte range: an ELF section, a BTF header/type/string section, a .BTF.ext block.</summary>
public readonly record struct FuzzRegion(int Offset, int Length);

/// <summary>The parts of a real object the BTF.ext and CO-RE targets need unmutated: its BTF and its program sections.</summary>
public sealed class ObjectContext(string name, Btf btf, IReadOnlyList<(string Name, BpfInstruction[] Instructions)> programSections)
{
    public string Name { get; } = name;
    public Btf Btf { get; } = btf;
    public IReadOnlyList<(string Name, BpfInstruction[] Instructions)> ProgramSections { get; } = programSections;
}

/// <summary>One real input with a map of its fields (counts, offsets, indexes) and regions (sections, headers).</summary>
public sealed class FuzzInput(string name, FuzzTarget target, byte[] bytes, IReadOnlyList<FuzzField> fields,
    IReadOnlyList<FuzzRegion> regions, IReadOnlyList<FuzzRegion> headers, ObjectContext? context)
{
    public string Name { get; } = name;
    public FuzzTarget Target { get; } = target;
    public byte[] Bytes { get; } = bytes;
    public IReadOnlyList<FuzzField> Fields { get; } = fields;
    public IReadOnlyList<FuzzRegion> Regions { get; } = regions;

    /// <summary>Headers a mutation may zero whole.</summary>
    public IReadOnlyList<FuzzRegion> Headers { get; } = headers;

    public ObjectContext? Context { get; } = context;

    public override string ToString() => $"{Target} {Name}";
}

/// <summary>
/// Builds the corpus from real inputs: clang-built objects, their .BTF and .BTF.ext, and a slice of the running
/// kernel's BTF re-encoded as split BTF, each with the offsets of its structural fields found by walking the
/// (unmutated) formats here, independently of the code under test.
/// </summary>
public static class FuzzCorpus
{
    private const int ElfHeaderSize = 64;
    private const int SectionHeaderSize = 64;
    private const uint ShtSymTab = 2;
    private const uint ShtRel = 9;

    /// <summary>Every input derived from <paramref name="objectPaths"/>, for the given targets, plus the kernel slice.</summary>
    public static List<FuzzInput> Build(IEnumerable<string> objectPaths, Btf? vmlinux)
    {
        var inputs = new List<FuzzInput>();
        foreach (var path in objectPaths)
            inputs.AddRange(FromObject(Path.GetFileName(path), File.ReadAllBytes(path)));
        if (vmlinux is not null)
            inputs.Add(KernelSlice(vmlinux, "task_struct", 400));
        return inputs;
    }

    /// <summary>The object itself (ELF and CO-RE targets) and its .BTF and .BTF.ext (when present).</summary>
    public static IEnumerable<FuzzInput> FromObject(string name, byte[] elf)
    {
        var sections = ReadSections(elf);
        var fields = new List<FuzzField>();
        var headers = new List<FuzzRegion> { new(0, ElfHeaderSize) };
        // e_type, e_machine, e_shoff, e_ehsize, e_shentsize, e_shnum, e_shstrndx
        fields.AddRange([new(0x10, 2), new(0x12, 2), new(0x28, 8), new(0x34, 2), new(0x3a, 2), new(0x3c, 2), new(0x3e, 2), new(4, 1), new(5, 1)]);
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        foreach (var section in sections)
        {
            var header = shoff + section.Index * SectionHeaderSize;
            headers.Add(new(header, SectionHeaderSize));
            // sh_name, sh_type, sh_flags, sh_offset, sh_size, sh_link, sh_info, sh_entsize
            fields.AddRange([new(header, 4), new(header + 4, 4), new(header + 8, 8), new(header + 0x18, 8), new(header + 0x20, 8),
                new(header + 0x28, 4), new(header + 0x2c, 4), new(header + 0x38, 8)]);
            if (section.Type == ShtSymTab)
            {
                for (var at = section.Offset; at + 24 <= section.Offset + section.Size; at += 24)
                    fields.AddRange([new(at, 4), new(at + 4, 1), new(at + 6, 2), new(at + 8, 8), new(at + 16, 8)]);
            }
            else if (section.Type == ShtRel)
            {
                // r_offset, r_info's type (low half) and symbol index (high half)
                for (var at = section.Offset; at + 16 <= section.Offset + section.Size; at += 16)
                    fields.AddRange([new(at, 8), new(at + 8, 4), new(at + 12, 4)]);
            }
        }
        var btfSection = sections.FirstOrDefault(s => s.Name == ".BTF");
        var extSection = sections.FirstOrDefault(s => s.Name == ".BTF.ext");
        byte[]? btf = btfSection.Name is null ? null : elf.AsSpan(btfSection.Offset, btfSection.Size).ToArray();
        byte[]? ext = extSection.Name is null ? null : elf.AsSpan(extSection.Offset, extSection.Size).ToArray();
        (List<FuzzField> Fields, List<FuzzRegion> Regions, List<FuzzRegion> Headers)? btfMap = btf is null ? null : BtfMap(btf);
        (List<FuzzField> Fields, List<FuzzRegion> Regions, List<FuzzRegion> Headers)? extMap = ext is null ? null : ExtMap(ext);
        if (btfMap is not null)
        {
            fields.AddRange(btfMap.Value.Fields.Select(f => f with { Offset = f.Offset + btfSection.Offset }));
            headers.AddRange(btfMap.Value.Headers.Select(h => h with { Offset = h.Offset + btfSection.Offset }));
        }
        if (extMap is not null)
        {
            fields.AddRange(extMap.Value.Fields.Select(f => f with { Offset = f.Offset + extSection.Offset }));
            headers.AddRange(extMap.Value.Headers.Select(h => h with { Offset = h.Offset + extSection.Offset }));
        }
        var regions = sections.Where(s => s.Size > 0).Select(s => new FuzzRegion(s.Offset, s.Size)).ToList();
        regions.Add(new(shoff, sections.Count * SectionHeaderSize));
        yield return new FuzzInput(name, FuzzTarget.Elf, elf, fields, regions, headers, null);
        yield return new FuzzInput(name, FuzzTarget.Core, elf, fields, regions, headers, null);
        if (btf is null)
            yield break;
        yield return new FuzzInput(name + ":.BTF", FuzzTarget.Btf, btf, btfMap!.Value.Fields, btfMap.Value.Regions, btfMap.Value.Headers, null);
        if (ext is null)
            yield break;
        var context = new ObjectContext(name, Btf.Parse(btf), ProgramSections(elf, sections));
        yield return new FuzzInput(name + ":.BTF.ext", FuzzTarget.BtfExt, ext, extMap!.Value.Fields, extMap.Value.Regions, extMap.Value.Headers, context);
    }

    /// <summary>
    /// <paramref name="count"/> consecutive types of the kernel's BTF from <paramref name="startName"/>'s struct on,
    /// re-encoded as split BTF on vmlinux: type references keep pointing into vmlinux, names get a string section
    /// of their own, so the slice is real kernel BTF of a size worth mutating.
    /// </summary>
    public static FuzzInput KernelSlice(Btf vmlinux, string startName, int count)
    {
        var first = vmlinux.FindTypeId(startName, BtfKind.Struct);
        if (first < 0)
            first = 1;
        var last = Math.Min(vmlinux.LastTypeId, first + count - 1);
        var strings = new MemoryStream();
        strings.WriteByte(0);
        var stringOffsets = new Dictionary<string, uint>(StringComparer.Ordinal) { [""] = 0 };
        var baseStrings = (uint)(vmlinux.FirstStringOffset + vmlinux.StringsLength);
        uint Name(uint offset)
        {
            var name = vmlinux.GetString(offset);
            if (name.Length == 0)
                return 0;
            if (!stringOffsets.TryGetValue(name, out var local))
            {
                local = (uint)strings.Length;
                strings.Write(Encoding.UTF8.GetBytes(name));
                strings.WriteByte(0);
                stringOffsets[name] = local;
            }
            return baseStrings + local;
        }
        var raw = vmlinux.RawData.Span;
        var types = new MemoryStream();
        for (var id = first; id <= last; id++)
        {
            var record = RawType(vmlinux, raw, id).ToArray();
            var kind = (BtfKind)((record[7] >> 0) & 0x1f);
            BinaryPrimitives.WriteUInt32LittleEndian(record, Name(BinaryPrimitives.ReadUInt32LittleEndian(record)));
            var (stride, vlen) = MemberStride(kind, BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(4)));
            // Members, enumerators and parameters start with a name offset.
            if (stride > 0 && kind != BtfKind.Datasec)
            {
                for (var i = 0; i < vlen; i++)
                {
                    var at = 12 + i * stride;
                    BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(at), Name(BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(at))));
                }
            }
            types.Write(record);
        }
        var blob = Assemble(types.ToArray(), strings.ToArray());
        var map = BtfMap(blob);
        return new FuzzInput($"vmlinux[{first}..{last}] split", FuzzTarget.KernelBtf, blob, map.Fields, map.Regions, map.Headers, null);
    }

    /// <summary>A BTF blob: 24-byte header, types, strings.</summary>
    public static byte[] Assemble(byte[] types, byte[] strings)
    {
        var blob = new byte[24 + types.Length + strings.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(blob, Btf.Magic);
        blob[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), (uint)types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(16), (uint)types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), (uint)strings.Length);
        types.CopyTo(blob, 24);
        strings.CopyTo(blob, 24 + types.Length);
        return blob;
    }

    private static ReadOnlySpan<byte> RawType(Btf btf, ReadOnlySpan<byte> raw, int id)
    {
        // The type's bytes run from its header to the next type's (or the end of the type section).
        var typesStart = btf.HeaderLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]);
        var position = typesStart;
        for (var current = 1; ; current++)
        {
            var info = BinaryPrimitives.ReadUInt32LittleEndian(raw[(position + 4)..]);
            var length = 12 + ExtraLength((BtfKind)((info >> 24) & 0x1f), (int)(info & 0xffff));
            if (current == id)
                return raw.Slice(position, length);
            position += length;
        }
    }

    /// <summary>Bytes after a type's 12-byte header, per uapi btf.h (independent of BtfCore's own table).</summary>
    public static int ExtraLength(BtfKind kind, int vlen) => kind switch
    {
        BtfKind.Int or BtfKind.Var or BtfKind.DeclTag => 4,
        BtfKind.Array => 12,
        BtfKind.Struct or BtfKind.Union or BtfKind.Datasec or BtfKind.Enum64 => 12 * vlen,
        BtfKind.Enum or BtfKind.FuncProto => 8 * vlen,
        _ => 0,
    };

    private static (int Stride, int Vlen) MemberStride(BtfKind kind, uint info)
    {
        var vlen = (int)(info & 0xffff);
        return kind switch
        {
            BtfKind.Struct or BtfKind.Union or BtfKind.Datasec or BtfKind.Enum64 => (12, vlen),
            BtfKind.Enum or BtfKind.FuncProto => (8, vlen),
            _ => (0, 0),
        };
    }

    /// <summary>Fields of a BTF blob: the header's offsets and lengths, every type's name, info (vlen, kind), size/type and trailing words.</summary>
    public static (List<FuzzField> Fields, List<FuzzRegion> Regions, List<FuzzRegion> Headers) BtfMap(byte[] blob)
    {
        var fields = new List<FuzzField> { new(4, 4), new(8, 4), new(12, 4), new(16, 4), new(20, 4), new(2, 1), new(0, 2) };
        var headers = new List<FuzzRegion> { new(0, 24) };
        var regions = new List<FuzzRegion> { new(0, 24) };
        var span = blob.AsSpan();
        var headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        var typesStart = headerLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
        var typesLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        var stringsStart = headerLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[16..]);
        var stringsLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[20..]);
        regions.Add(new(typesStart, typesLength));
        regions.Add(new(stringsStart, stringsLength));
        var position = typesStart;
        while (position + 12 <= typesStart + typesLength)
        {
            var info = BinaryPrimitives.ReadUInt32LittleEndian(span[(position + 4)..]);
            var length = 12 + ExtraLength((BtfKind)((info >> 24) & 0x1f), (int)(info & 0xffff));
            headers.Add(new(position, 12));
            regions.Add(new(position, length));
            fields.AddRange([new(position, 4), new(position + 4, 2), new(position + 7, 1), new(position + 4, 4), new(position + 8, 4)]);
            for (var at = position + 12; at + 4 <= position + length; at += 4)
                fields.Add(new(at, 4));
            position += length;
        }
        return (fields, regions, headers);
    }

    /// <summary>Fields of a .BTF.ext blob: header offsets/lengths, each block's record size, each section's name and num_info, every record word.</summary>
    public static (List<FuzzField> Fields, List<FuzzRegion> Regions, List<FuzzRegion> Headers) ExtMap(byte[] blob)
    {
        var span = blob.AsSpan();
        var headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        var fields = new List<FuzzField> { new(0, 2), new(2, 1), new(4, 4) };
        var headers = new List<FuzzRegion> { new(0, headerLength) };
        var regions = new List<FuzzRegion> { new(0, headerLength) };
        for (var field = 8; field + 8 <= headerLength; field += 8)
        {
            fields.AddRange([new(field, 4), new(field + 4, 4)]);
            var start = headerLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[field..]);
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(field + 4)..]);
            if (length < 4)
                continue;
            regions.Add(new(start, length));
            fields.Add(new(start, 4));
            var recordSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[start..]);
            for (var at = start + 4; at + 8 <= start + length;)
            {
                var count = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 4)..]);
                headers.Add(new(at, 8));
                fields.AddRange([new(at, 4), new(at + 4, 4)]);
                var records = at + 8;
                for (var word = records; word + 4 <= Math.Min(records + count * recordSize, start + length); word += 4)
                    fields.Add(new(word, 4));
                at = records + count * recordSize;
            }
        }
        return (fields, regions, headers);
    }

    /// <summary>A section of the unmutated object, read here by uapi elf.h rather than through the code under test.</summary>
    public readonly record struct RawSection(int Index, string Name, uint Type, ulong Flags, int Offset, int Size);

    public static List<RawSection> ReadSections(byte[] elf)
    {
        var span = elf.AsSpan();
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3c..]);
        var names = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3e..]);
        var namesOffset = (int)BinaryPrimitives.ReadUInt64LittleEndian(span[(shoff + names * SectionHeaderSize + 0x18)..]);
        var sections = new List<RawSection>();
        for (var i = 0; i < count; i++)
        {
            var header = span[(shoff + i * SectionHeaderSize)..];
            var nameOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(header);
            var nameBytes = span[(namesOffset + nameOffset)..];
            var name = Encoding.UTF8.GetString(nameBytes[..nameBytes.IndexOf((byte)0)]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            var size = type == 8 ? 0 : (int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);   // SHT_NOBITS has no bytes
            sections.Add(new(i, name, type, BinaryPrimitives.ReadUInt64LittleEndian(header[8..]),
                (int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]), size));
        }
        return sections;
    }

    private static List<(string, BpfInstruction[])> ProgramSections(byte[] elf, List<RawSection> sections)
    {
        const ulong ShfExecInstr = 4;
        var programs = new List<(string, BpfInstruction[])>();
        foreach (var section in sections.Where(s => (s.Flags & ShfExecInstr) != 0 && s.Size > 0))
        {
            var instructions = new BpfInstruction[section.Size / BpfInstruction.Size];
            elf.AsSpan(section.Offset, instructions.Length * BpfInstruction.Size).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(instructions.AsSpan()));
            programs.Add((section.Name, instructions));
        }
        return programs;
    }
}
