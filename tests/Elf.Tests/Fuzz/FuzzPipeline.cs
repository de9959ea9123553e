using RawBpf.BtfCore;
using RawBpf.BtfCore.Core;
using RawBpf.Uapi;

namespace RawBpf.Elf.Tests.Fuzz;

/// <summary>
/// The whole pure pipeline over untrusted bytes, as a loader runs it: parse the object, walk every program, map,
/// relocation, extern and variable, fix up the BTF for the kernel, sanitize it for a kernel with no optional kind
/// and re-parse the result, dump it, and apply CO-RE to every program section against the real vmlinux.
/// Only <see cref="ElfFormatException"/>, <see cref="BtfFormatException"/> and
/// <see cref="CoreRelocationException"/> may escape; a stage that refuses its input with one of them does not stop
/// the later stages that can still run. Anything else (and a broken invariant, as <see cref="FuzzInvariantException"/>)
/// is a bug.
/// </summary>
public static class FuzzPipeline
{
    /// <summary>
    /// The exceptions a parser of untrusted bytes may throw, wrapping nothing else: a .NET or ELFSharp exception
    /// inside would have put its message (a raw resource key in the AOT tools) into ours.
    /// </summary>
    public static bool IsTyped(Exception e) =>
        e is ElfFormatException or BtfFormatException or CoreRelocationException && WrapsOnlyOurs(e.InnerException);

    private static bool WrapsOnlyOurs(Exception? inner) =>
        inner is null || (inner.GetType().Namespace?.StartsWith("RawBpf.", StringComparison.Ordinal) == true && WrapsOnlyOurs(inner.InnerException));

    /// <summary>Runs the slice of the pipeline that <paramref name="target"/> names; returns how many typed refusals it met.</summary>
    public static int Run(FuzzTarget target, ReadOnlyMemory<byte> bytes, Btf vmlinux, ObjectContext? context = null) => target switch
    {
        FuzzTarget.Elf => RunObject(bytes, vmlinux, coreOnly: false),
        FuzzTarget.Core => RunObject(bytes, vmlinux, coreOnly: true),
        FuzzTarget.Btf => RunBtf(bytes, null),
        FuzzTarget.KernelBtf => RunBtf(bytes, vmlinux),
        FuzzTarget.BtfExt => RunBtfExt(bytes, context ?? throw new ArgumentNullException(nameof(context)), vmlinux),
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    public static int RunObject(ReadOnlyMemory<byte> bytes, Btf vmlinux, bool coreOnly)
    {
        BpfObjectFile obj;
        try
        {
            obj = BpfObjectFile.Parse(bytes, "fuzz.bpf.o");
        }
        catch (Exception e) when (IsTyped(e))
        {
            return 1;
        }
        var refusals = 0;
        if (!coreOnly)
        {
            refusals += Stage(() => WalkObject(obj));
            refusals += Stage(() =>
            {
                if (BtfFixup.CreateKernelBtf(obj) is { } fixedBtf)
                    SanitizeAndDump(Btf.Parse(fixedBtf, null, "fixed .BTF"));
            });
            if (obj.Btf is { } btf)
            {
                refusals += Stage(() => SanitizeAndDump(btf));
                refusals += Stage(() => BtfCDumper.Write(btf, Stream.Null));
            }
        }
        if (obj.Btf is { } local && obj.BtfExt is { } ext)
            refusals += ApplyCore(local, ext, vmlinux, name => obj.ProgramSections.FirstOrDefault(s => s.Name == name)?.Instructions.ToArray());
        return refusals;
    }

    public static int RunBtf(ReadOnlyMemory<byte> bytes, Btf? baseBtf)
    {
        Btf btf;
        try
        {
            btf = Btf.Parse(bytes, baseBtf, baseBtf is null ? ".BTF" : "split .BTF");
        }
        catch (BtfFormatException)
        {
            return 1;
        }
        var refusals = Stage(() => WalkBtf(btf));
        if (baseBtf is null)
            refusals += Stage(() => SanitizeAndDump(btf));
        else
            refusals += Stage(() => BtfDumper.Write(btf, Stream.Null));
        // A C header of split BTF holds all of vmlinux (80 ms a mutant): the objects' BTF exercises the writer.
        if (baseBtf is null)
            refusals += Stage(() => BtfCDumper.Write(btf, Stream.Null));
        return refusals;
    }

    public static int RunBtfExt(ReadOnlyMemory<byte> bytes, ObjectContext context, Btf vmlinux)
    {
        BtfExt ext;
        try
        {
            ext = BtfExt.Parse(bytes, context.Btf);
        }
        catch (BtfFormatException)
        {
            return 1;
        }
        var refusals = Stage(() => WalkExt(ext, context.Btf));
        refusals += ApplyCore(context.Btf, ext, vmlinux,
            name => context.ProgramSections.FirstOrDefault(s => s.Name == name).Instructions?.ToArray());
        return refusals;
    }

    /// <summary>CO-RE for every section that has relocations, each on a copy of its instructions (none if the object has no such section).</summary>
    private static int ApplyCore(Btf local, BtfExt ext, Btf vmlinux, Func<string, BpfInstruction[]?> instructionsOf)
    {
        CoreRelocator relocator;
        try
        {
            relocator = new CoreRelocator(local, ext, [vmlinux]);
        }
        catch (Exception e) when (IsTyped(e))
        {
            return 1;
        }
        var refusals = 0;
        foreach (var section in ext.CoreRelocations.Sections)
        {
            var instructions = instructionsOf(section.SectionName) ?? [];
            refusals += Stage(() =>
            {
                foreach (var result in relocator.ApplySection(section.SectionName, instructions))
                    Consume(result.ToString()?.Length ?? 0, result.NewValue, result.InstructionIndex);
            });
        }
        return refusals;
    }

    /// <summary>Sanitizing for a kernel with no optional kind keeps sizes and ids: its output must parse again.</summary>
    private static void SanitizeAndDump(Btf btf)
    {
        BtfDumper.Write(btf, Stream.Null);
        var sanitized = BtfSanitizer.Sanitize(btf, BtfFeatures.None);
        Btf again;
        try
        {
            again = Btf.Parse(sanitized, null, "sanitized .BTF");
        }
        catch (BtfFormatException e)
        {
            throw new FuzzInvariantException($"BtfSanitizer output does not parse again: {e.Message}", e);
        }
        // Ids stay; only the INT that ENUM64s turned into UNIONs point at may be appended.
        var added = again.LastTypeId - btf.LastTypeId;
        if (added != 0 && !(added == 1 && HasKind(btf, BtfKind.Enum64)))
            throw new FuzzInvariantException($"BtfSanitizer changed the type count: {btf.LastTypeId} -> {again.LastTypeId}");
        WalkBtf(again);
        BtfDumper.Write(again, Stream.Null);
    }

    private static bool HasKind(Btf btf, BtfKind kind)
    {
        for (var id = btf.FirstTypeId; id <= btf.LastTypeId; id++)
        {
            if (btf.GetType(id).Kind == kind)
                return true;
        }
        return false;
    }

    private static int Stage(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (IsTyped(e))
        {
            return 1;
        }
    }

    private static long _sink;

    private static void Consume(params ReadOnlySpan<long> values)
    {
        foreach (var value in values)
            _sink += value;
    }

    private static void Consume(int a, ulong b, int c) => _sink += a + (long)b + c;

    // ------------------------------------------------------------------------------------------------ walks

    /// <summary>Reads every property of the object model, as a loader and the dump tool would.</summary>
    public static void WalkObject(BpfObjectFile obj)
    {
        Consume(obj.ObjectName.Length, obj.License.Length, obj.KernelVersion ?? 0, obj.TextSectionIndex, obj.MapsSectionIndex, obj.Path.Length);
        foreach (var section in obj.Sections)
        {
            Consume(section.Index, section.Name.Length, section.Type, (long)section.Flags, section.FileOffset, section.Size,
                section.Link, section.Info, (long)section.EntrySize, (long)section.Alignment, section.Data.Length, section.IsExecutable ? 1 : 0);
            Consume(section.Data.Span.IndexOf((byte)0xff), section.ToString().Length);
        }
        foreach (var symbol in obj.Symbols)
            Consume(symbol.Index, symbol.Name.Length, (long)symbol.Value, (long)symbol.Size, (int)symbol.Type, (int)symbol.Binding,
                (int)symbol.Visibility, symbol.SectionIndex, symbol.IsUndefined ? 1 : 0, symbol.IsInSpecialSection ? 1 : 0);
        foreach (var section in obj.ProgramSections)
        {
            Consume(section.Name.Length, section.SectionIndex, section.Instructions.Length, section.IsText ? 1 : 0, section.ToString().Length);
            WalkInstructions(section.Instructions.Span);
            WalkInfo(section.Info);
            foreach (var program in section.Programs)
                WalkProgram(program);
            foreach (var relocation in section.Relocations)
                WalkRelocation(relocation);
        }
        foreach (var function in obj.Functions)
        {
            WalkProgram(function);
            if (obj.FindProgram(function.Name) is null)
                throw new FuzzInvariantException($"FindProgram('{function.Name}') does not find a listed function");
        }
        foreach (var program in obj.Programs)
            Consume(program.Name.Length);
        foreach (var map in obj.Maps)
        {
            WalkMap(map, 0);
            if (obj.FindMap(map.Name) is null)
                throw new FuzzInvariantException($"FindMap('{map.Name}') does not find a listed map");
        }
        foreach (var map in obj.DataMaps)
            Consume(map.Name.Length);
        foreach (var ext in obj.Externs)
        {
            Consume(ext.Name.Length, (int)ext.Kind, ext.SymbolIndex, ext.IsWeak ? 1 : 0, ext.BtfId, ext.TypeId, ext.IsFunction ? 1 : 0,
                ext.SectionName.Length, ext.EssentialName.Length, (int)ext.KconfigType, ext.KconfigSize, ext.KconfigAlignment,
                ext.KconfigIsSigned ? 1 : 0, ext.KconfigOffset, ext.ToString().Length);
        }
        if (obj.Btf is { } btf)
        {
            WalkBtf(btf);
            if (obj.BtfExt is { } ext)
                WalkExt(ext, btf);
        }
    }

    private static void WalkInfo(ProgramSectionInfo? info)
    {
        if (info is null)
            return;
        Consume(info.SectionName.Length, (int)info.ProgramType, (int?)info.ExpectedAttachType ?? -1, (int)info.Flags,
            info.AttachTarget?.Length ?? 0, info.IsReturnProbe ? 1 : 0, info.Definition.Prefix.Length);
        if (info.Tracepoint is { } tracepoint)
            Consume(tracepoint.Category.Length, tracepoint.Name.Length);
    }

    private static void WalkProgram(ProgramDefinition program)
    {
        Consume(program.Name.Length, program.SectionName.Length, program.SectionIndex, program.InstructionOffset, program.InstructionCount,
            program.IsSubprogram ? 1 : 0, program.IsHidden ? 1 : 0, program.Symbol.Name.Length, program.ToString().Length);
        WalkInstructions(program.Instructions.Span);
        WalkInfo(program.Info);
        foreach (var relocation in program.Relocations)
            WalkRelocation(relocation);
    }

    private static void WalkInstructions(ReadOnlySpan<BpfInstruction> instructions)
    {
        foreach (var instruction in instructions)
            Consume(instruction.Opcode, instruction.DestinationRegister, instruction.Offset, instruction.Immediate);
    }

    private static void WalkRelocation(BpfRelocation relocation)
    {
        Consume(relocation.SectionName.Length, relocation.InstructionIndex, relocation.ElfType, relocation.Symbol.Index,
            relocation.SymbolName.Length, (int)relocation.Kind, relocation.Map?.Name.Length ?? 0, relocation.DataOffset,
            relocation.TargetInstructionIndex, relocation.TargetFunction?.Name.Length ?? 0, relocation.Extern?.Name.Length ?? 0,
            relocation.ToString().Length);
    }

    private const uint MaxValueRead = 16 << 20;

    private static void WalkMap(MapDefinition map, int depth)
    {
        if (depth > 4)
            throw new FuzzInvariantException($"map '{map.Name}' nests inner maps more than 4 deep");
        Consume(map.Name.Length, map.RealName.Length, map.KernelName.Length, (int)map.Kind, (int)map.Type, map.KeySize, map.ValueSize,
            map.KeyTypeId, map.ValueTypeId, map.MaxEntries, (uint)map.Flags, map.NumaNode, (long)map.MapExtra, (int)map.Pinning,
            map.HasValuesMember ? 1 : 0, map.SectionIndex, map.SectionOffset, map.SectionSize, map.BtfVarTypeId,
            map.IsInternal ? 1 : 0, map.ToString().Length);
        // A loader reads the initial value when it creates the map, which then costs the kernel as much: only
        // maps of a sane size are read here (a NOBITS .bss may declare up to 2 GiB of zeros in a tiny file).
        if (map.ValueSize <= MaxValueRead)
            Consume(map.InitialValue.Length);
        foreach (var slot in map.InitialSlots)
            Consume(slot.Index, slot.TargetName.Length);
        // A variable lies inside its map's value: a loader reads and writes it through a value buffer.
        var value = map.IsInternal && map.ValueSize <= MaxValueRead ? new byte[map.ValueSize] : null;
        foreach (var variable in map.Variables)
        {
            Consume(variable.Name.Length, variable.SectionName.Length, variable.Offset, variable.Size, variable.TypeId, variable.VarTypeId,
                (int)variable.Linkage, variable.IsHidden ? 1 : 0);
            if (value is not null)
            {
                if ((ulong)variable.Offset + variable.Size > (ulong)value.Length)
                    throw new FuzzInvariantException($"variable '{variable.Name}' at [{variable.Offset}, +{variable.Size}) lies outside map '{map.Name}''s {value.Length}-byte value");
                Consume(variable.Read(value).Length);
            }
            if (map.FindVariable(variable.Name) is null)
                throw new FuzzInvariantException($"map '{map.Name}' lists variable '{variable.Name}' that FindVariable does not find");
        }
        if (map.InnerMap is { } inner)
            WalkMap(inner, depth + 1);
    }

    /// <summary>Every type through every accessor, the resolvers, the name lookups, the dumper.</summary>
    public static void WalkBtf(Btf btf)
    {
        for (var id = btf.FirstTypeId; id <= btf.LastTypeId; id++)
        {
            var type = btf.GetType(id);
            Consume(Tolerant(() => type.Name.Length + type.ToString().Length), type.Size, type.Vlen, type.KindFlag ? 1 : 0);
            switch (type.Kind)
            {
                case BtfKind.Int:
                    Consume((int)type.IntEncoding, type.IntBitOffset, type.IntBits);
                    break;
                case BtfKind.Array:
                    Consume(Tolerant(() => btf.GetType(type.ArrayElementTypeId).Id), Tolerant(() => btf.GetType(type.ArrayIndexTypeId).Id), type.ArrayLength);
                    break;
                case BtfKind.Func or BtfKind.Var:
                    Consume((int)type.Linkage);
                    break;
                case BtfKind.DeclTag:
                    Consume(type.DeclTagComponentIndex);
                    break;
            }
            foreach (var member in type.Members)
                Consume(Tolerant(() => member.Name.Length), Tolerant(() => btf.GetType(member.TypeId).Id), member.BitOffset, member.BitfieldSize);
            foreach (var value in type.EnumValues)
                Consume(Tolerant(() => value.Name.Length), value.SignedValue, value.IsSigned ? 1 : 0);
            foreach (var param in type.Params)
                Consume(Tolerant(() => param.Name.Length), Tolerant(() => btf.GetType(param.TypeId).Id));
            foreach (var variable in type.Variables)
                Consume(Tolerant(() => btf.GetType(variable.TypeId).Id), variable.Offset, variable.Size);
            Consume(Tolerant(() => btf.SkipModifiersAndTypedefs(id).Id), Tolerant(() => btf.SkipModifiers(id).Id), Tolerant(() => btf.ResolveSize(id)));
            if (type.NameOffset != 0 && Tolerant(() => type.NameBytes.Length + 1) != 0)
            {
                Consume(btf.FindTypeId(type.NameBytes, type.Kind));
                foreach (var candidate in btf.FindByEssentialName(type.NameBytes))
                    Consume(candidate);
            }
        }
    }

    public static void WalkExt(BtfExt ext, Btf btf)
    {
        foreach (var section in ext.FuncInfo.Sections)
        {
            for (var i = 0; i < section.Count; i++)
            {
                var info = section.GetFuncInfo(i);
                Consume(info.InstructionOffset, Tolerant(() => btf.GetType(info.TypeId).Id));
            }
        }
        foreach (var section in ext.LineInfo.Sections)
        {
            for (var i = 0; i < section.Count; i++)
            {
                var line = section.GetLineInfo(i);
                Consume(Tolerant(() => btf.GetString(line.FileNameOffset).Length), Tolerant(() => btf.GetString(line.LineOffset).Length), line.Line, line.Column);
            }
        }
        foreach (var section in ext.CoreRelocations.Sections)
        {
            Consume(section.SectionName.Length, section.RecordSize, section.Count);
            for (var i = 0; i < section.Count; i++)
            {
                var relocation = section.GetCoreRelocation(i);
                Consume(Tolerant(() => btf.GetString(relocation.AccessStringOffset).Length), Tolerant(() => btf.GetType(relocation.TypeId).Id), (int)relocation.Kind);
            }
        }
        Consume(ext.FuncInfo.ForSection(".text")?.Count ?? 0, ext.LineInfo.RecordSize, ext.CoreRelocations.Name.Length);
    }

    /// <summary>An accessor may rightly refuse a dangling id or string offset, with BtfFormatException only.</summary>
    private static long Tolerant(Func<long> action)
    {
        try
        {
            return action();
        }
        catch (BtfFormatException)
        {
            return 0;
        }
    }
}

/// <summary>An invariant of the pipeline's output broke (e.g. sanitized BTF that no longer parses): a bug, like a crash.</summary>
public sealed class FuzzInvariantException(string message, Exception? inner = null) : Exception(message, inner);
