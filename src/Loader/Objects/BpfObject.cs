using System.Runtime.InteropServices;
using System.Text;
using RawBpf.BtfCore;
using RawBpf.BtfCore.Core;
using RawBpf.Elf;
using RawBpf.Loader.Host;
using RawBpf.Loader.Interop;
using RawBpf.Loader.Links;
using RawBpf.Loader.Maps;
using RawBpf.Loader.Programs;
using RawBpf.Uapi;

namespace RawBpf.Loader.Objects;

/// <summary>
/// A BPF object from open to unload: <see cref="Open(string)"/> parses the ELF (no kernel involved), the
/// <c>Set*</c> methods configure it, <see cref="Load"/> creates its BTF, maps and programs in the kernel, and
/// <see cref="Attach"/> hooks programs up. Disposing it detaches and closes everything.
/// </summary>
public sealed class BpfObject : IDisposable
{
    private readonly Dictionary<MapDefinition, byte[]> _dataValues = [];
    private readonly Dictionary<MapDefinition, uint> _maxEntries = [];
    private readonly Dictionary<string, BpfMap> _maps = new(StringComparer.Ordinal);
    private readonly Dictionary<MapDefinition, BpfMap> _mapsByDefinition = [];
    private readonly Dictionary<MapDefinition, StructOpsKernelLayout> _structOps = [];
    private readonly Dictionary<string, BpfProgram> _programs = new(StringComparer.Ordinal);
    private readonly List<BpfLink> _links = [];
    private readonly Dictionary<string, bool> _autoload = new(StringComparer.Ordinal);
    private readonly List<CoreRelocationResult> _coreRelocations = [];
    private readonly List<string> _warnings = [];
    private readonly KernelModuleBtfObjects _moduleBtf;
    private BpfBtfObject? _btf;
    private bool _loaded;
    private TracepointAttachPreference _tracepointAttach = TracepointAttachPreference.Automatic;

    private BpfObject(BpfObjectFile file)
    {
        File = file;
        _moduleBtf = new KernelModuleBtfObjects(file.ObjectName);
    }

    /// <summary>
    /// The bytes a data map will be loaded with, copied on first use: an object that only declares a large .bss
    /// costs nothing until a variable is set (the kernel zero-fills a new array map).
    /// </summary>
    private byte[] DataValue(MapDefinition map)
    {
        if (!_dataValues.TryGetValue(map, out var value))
            _dataValues[map] = value = map.InitialValue.ToArray();
        return value;
    }

    /// <summary>The parsed ELF object.</summary>
    public BpfObjectFile File { get; }

    /// <summary>
    /// Reads and parses the object at <paramref name="path"/>: a regular file only (a FIFO or /dev/zero is refused
    /// before any read). <see cref="InputFileException"/> when it cannot be read, <see cref="ElfFormatException"/>
    /// when its bytes are not a valid BPF object.
    /// </summary>
    public static BpfObject Open(string path) => new(BpfObjectFile.Parse(InputFile.ReadAll(path, "BPF object"), path));

    public static BpfObject Open(ReadOnlyMemory<byte> elf, string name) => new(BpfObjectFile.Parse(elf, name));

    /// <summary>Maps created by <see cref="Load"/>, by name (data sections by their libbpf names, e.g. "exitsno.rodata").</summary>
    public IReadOnlyDictionary<string, BpfMap> Maps => _maps;

    /// <summary>Programs loaded by <see cref="Load"/>, by function name.</summary>
    public IReadOnlyDictionary<string, BpfProgram> Programs => _programs;

    /// <summary>Links made by <see cref="Attach"/>.</summary>
    public IReadOnlyList<BpfLink> Links => _links;

    /// <summary>What <see cref="Load"/> worked around (e.g. BTF the kernel refused), for a verbose caller to show.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Every CO-RE relocation applied during <see cref="Load"/>, with its resolution.</summary>
    public IReadOnlyList<CoreRelocationResult> CoreRelocations => _coreRelocations;

    /// <summary>
    /// Sets a global variable (a <c>const volatile</c> in .rodata, or one in .data/.bss) before load. The value
    /// must be exactly the variable's size.
    /// </summary>
    public void SetVariable(string name, ReadOnlySpan<byte> value)
    {
        EnsureNotLoaded();
        var found = File.FindVariable(name) ?? throw new KeyNotFoundException($"object '{File.ObjectName}' has no global variable '{name}'");
        if (value.Length != found.Variable.Size)
            throw new ArgumentException($"variable '{name}' is {found.Variable.Size} bytes, the value {value.Length}", nameof(value));
        found.Variable.Write(DataValue(found.Map), value);
    }

    /// <summary>Sets a global variable from an unmanaged value of the variable's size.</summary>
    public void SetVariable<T>(string name, T value) where T : unmanaged =>
        SetVariable(name, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(ref value)));

    /// <summary>
    /// The current bytes of a global variable: before load what will be loaded, after load what its data map in
    /// the kernel holds now (a copy, read with BPF_MAP_LOOKUP_ELEM).
    /// </summary>
    public ReadOnlySpan<byte> GetVariable(string name)
    {
        var found = File.FindVariable(name) ?? throw new KeyNotFoundException($"object '{File.ObjectName}' has no global variable '{name}'");
        if (!_mapsByDefinition.TryGetValue(found.Map, out var map))
            return found.Variable.Read(DataValue(found.Map));
        var value = new byte[map.ValueBufferSize];
        Span<byte> zeroKey = stackalloc byte[4];
        if (!map.TryLookup(zeroKey, value))
            throw new InvalidOperationException($"data map '{map.Name}' of object '{File.ObjectName}' has no element 0");
        return found.Variable.Read(value);
    }

    /// <summary>
    /// Whether <see cref="Load"/> loads program <paramref name="programName"/> (by default all but SEC("?...") ones), as
    /// libbpf's bpf_program__set_autoload: an object may carry alternative entry points of which the caller loads one.
    /// </summary>
    public void SetAutoload(string programName, bool autoload)
    {
        EnsureNotLoaded();
        if (File.Programs.All(program => program.Name != programName))
            throw new KeyNotFoundException($"object '{File.ObjectName}' has no program '{programName}'");
        _autoload[programName] = autoload;
    }

    /// <summary>Overrides a map's max_entries before load (e.g. a ring buffer's size in bytes).</summary>
    public void SetMaxEntries(string mapName, uint maxEntries)
    {
        EnsureNotLoaded();
        var map = File.FindMap(mapName) ?? throw new KeyNotFoundException($"object '{File.ObjectName}' has no map '{mapName}'");
        _maxEntries[map] = maxEntries;
    }

    public BpfMap GetMap(string name) =>
        _maps.TryGetValue(name, out var map) ? map : throw new KeyNotFoundException($"object '{File.ObjectName}' has no loaded map '{name}'");

    public BpfProgram GetProgram(string name) =>
        _programs.TryGetValue(name, out var program) ? program : throw new KeyNotFoundException($"object '{File.ObjectName}' has no loaded program '{name}'");

    /// <summary>
    /// Loads BTF, creates the maps (data sections filled, .rodata frozen), applies CO-RE against the kernel's
    /// BTF, links and loads every program. On failure everything created so far is closed again.
    /// </summary>
    public void Load(BpfObjectLoadOptions? options = null)
    {
        EnsureNotLoaded();
        options ??= new BpfObjectLoadOptions();
        _loaded = true;
        _tracepointAttach = options.TracepointAttach;
        try
        {
            MemlockLimit.RaiseIfNeeded();
            // libbpf's order: the kernel's types are needed only from CO-RE on (struct_ops maps aside, whose value
            // type is the kernel's), so a vmlinux still being parsed elsewhere (KernelTypes.Preload) overlaps the
            // BTF load and the map creation. KernelTypes parses nothing until asked.
            var needsKernelTypes = NeedsKernelTypes();
            using var ownKernelTypes = needsKernelTypes && options.KernelTypes is null ? KernelTypes.FromSystem() : null;
            var kernelTypes = needsKernelTypes ? options.KernelTypes ?? ownKernelTypes : null;
            LoadBtf();
            ResolveStructOps(kernelTypes);
            CreateMaps();
            LoadPrograms(options, kernelTypes);
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.EPERM
            && BpfErrorHints.ForObjectLoad(File.ObjectName, File.Programs.Select(p => p.Info?.ProgramType ?? BpfProgramType.Unspecified)) is { } needs)
        {
            // Whichever call failed first, the user needs what the whole object needs, not that call's share.
            CloseAll();
            throw new BpfObjectLoadException($"object '{File.ObjectName}': {e.Problem}", e, () => [needs]);
        }
        catch
        {
            CloseAll();
            throw;
        }
    }

    /// <summary>
    /// Resolves every CO-RE relocation against the kernel's types (or <see cref="BpfObjectLoadOptions.KernelTypes"/>)
    /// without creating anything in the kernel: what <see cref="Load"/> would patch, for inspection.
    /// </summary>
    public IReadOnlyList<CoreRelocationResult> ResolveCoreRelocations(BpfObjectLoadOptions? options = null)
    {
        EnsureNotLoaded();
        if (File.Btf is not { } localBtf || File.BtfExt is not { } ext || ext.CoreRelocations.Sections.Count == 0)
            return [];
        using var ownKernelTypes = options?.KernelTypes is null ? KernelTypes.FromSystem() : null;
        var sections = File.ProgramSections.ToDictionary(s => s.SectionIndex, s => s.Instructions.ToArray());
        return RelocateCore(sections, localBtf, ext, options?.KernelTypes ?? ownKernelTypes!);
    }

    /// <summary>
    /// Attaches program <paramref name="programName"/> as its section name says (see <see cref="SectionAttach"/>:
    /// tp/, raw_tp/, tp_btf/, fentry/, fexit/, fmod_ret/, lsm/, iter/, kprobe/, kretprobe/, ksyscall/, kprobe.multi/,
    /// uprobe/PATH:FUNC, uprobe.multi/, perf_event). A perf-event-based attachment (tracepoint, kprobe, uprobe) goes
    /// as <paramref name="preference"/> says, or else as <see cref="BpfObjectLoadOptions.TracepointAttach"/> did.
    /// </summary>
    public BpfLink Attach(string programName, TracepointAttachPreference? preference = null)
    {
        var program = GetProgram(programName);
        var info = File.FindProgram(programName)?.Info
            ?? throw new BpfAttachException($"program '{programName}' has no section type to attach by");
        var link = SectionAttach.Attach(program, info, preference ?? _tracepointAttach);
        _links.Add(link);
        return link;
    }

    /// <summary>Whether <see cref="Attach"/> can attach <paramref name="programName"/> by its section name alone.</summary>
    public bool CanAttach(string programName) =>
        File.FindProgram(programName)?.Info is { } info && SectionAttach.CanAttach(info);

    /// <summary>Pins every loaded program at <paramref name="directory"/>/&lt;function name&gt;, as bpftool prog loadall does.</summary>
    /// <remarks>All or nothing: on a failure, the pins and directories this call made are removed again.</remarks>
    public void PinPrograms(string directory)
    {
        using var pins = new BpfPinTransaction();
        PinPrograms(pins, directory);
        pins.Commit();
    }

    /// <summary>
    /// Attaches networking or cgroup program <paramref name="programName"/> (xdp, tc, tcx/, cgroup_skb/, cgroup/...,
    /// socket, sk_lookup) as its section name says, to the interface, cgroup, socket or namespace in <paramref name="target"/>.
    /// </summary>
    public BpfLink AttachTo(string programName, NetworkAttachTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var program = GetProgram(programName);
        var info = File.FindProgram(programName)?.Info
            ?? throw new BpfAttachException($"program '{programName}' has no section type to attach by");
        var link = NetworkAttach.TryAttachBySection(program, info, target)
            ?? throw new BpfAttachException($"program '{programName}' (section '{info.SectionName}') is not a networking or cgroup program");
        _links.Add(link);
        return link;
    }

    /// <summary>Pins every loaded program at <paramref name="directory"/>/&lt;function name&gt; within <paramref name="pins"/>.</summary>
    public void PinPrograms(BpfPinTransaction pins, string directory)
    {
        ArgumentNullException.ThrowIfNull(pins);
        var checkedDirectory = pins.CreateDirectory(directory);
        foreach (var (name, program) in _programs)
            pins.Pin(program.Fd, Path.Combine(checkedDirectory, name));
    }

    public void Dispose() => CloseAll();

    private void EnsureNotLoaded()
    {
        if (_loaded)
            throw new InvalidOperationException($"object '{File.ObjectName}' is already loaded");
    }

    // ---- kernel BTF ---------------------------------------------------------------------------------------

    private bool NeedsKernelTypes() =>
        (File.BtfExt?.CoreRelocations.Sections.Count ?? 0) > 0
        || File.Externs.Any(KsymResolver.IsTyped)
        || File.Maps.Any(m => m.Kind == MapKind.StructOps)
        || File.Programs.Any(p => p.Info?.Flags.HasFlag(ProgramSectionFlags.AttachBtf) == true);

    // ---- BTF ----------------------------------------------------------------------------------------------

    /// <summary>The object's BTF, fixed up and sanitized for this kernel. Optional, as in libbpf: a kernel that refuses it gets maps and programs without it.</summary>
    private void LoadBtf()
    {
        var features = KernelFeatures.Btf;
        if (File.Btf is null || !features.HasFlag(BtfFeatures.Basic))
            return;
        var raw = BtfFixup.CreateKernelBtf(File) ?? File.Btf.RawData.ToArray();
        var fixedBtf = Btf.Parse(raw);
        if (BtfSanitizer.NeedsSanitizing(fixedBtf, features))
            raw = BtfSanitizer.Sanitize(fixedBtf, features);
        try
        {
            _btf = BpfBtfObject.Load(raw);
        }
        catch (BpfSyscallException e)
        {
            _warnings.Add($"the kernel refused the object's BTF ({e.Message}); loading without it");
        }
    }

    // ---- maps ---------------------------------------------------------------------------------------------

    /// <summary>Each struct_ops map laid out as the kernel's <c>struct bpf_struct_ops_&lt;name&gt;</c> (libbpf's init_kern_struct_ops, at load).</summary>
    private void ResolveStructOps(KernelTypes? kernelTypes)
    {
        foreach (var definition in File.Maps.Where(m => m.Kind == MapKind.StructOps))
        {
            var vmlinux = kernelTypes!.Vmlinux;
            _structOps[definition] = StructOpsKernelLayout.Resolve(definition, File.Btf!, vmlinux, out var error)
                ?? throw new BpfObjectLoadException($"object '{File.ObjectName}': struct_ops map '{definition.Name}': {error}");
        }
    }

    private void CreateMaps()
    {
        Span<byte> zeroKey = stackalloc byte[4];
        foreach (var definition in File.Maps)
        {
            var map = CreateMap(definition);
            _maps[definition.Name] = map;
            _mapsByDefinition[definition] = map;
            if (!definition.IsInternal)
                continue;
            // .bss starts zeroed in the kernel too (untouched, it is not even copied); every other data section
            // gets its initial bytes.
            if (definition.Kind != MapKind.Bss || _dataValues.ContainsKey(definition))
            {
                var value = DataValue(definition);
                if (definition.Kind == MapKind.Kconfig)
                    KernelConfig.Fill(value, File.Externs);
                if (definition.Kind != MapKind.Bss || value.AsSpan().ContainsAnyExcept((byte)0))
                    map.Update(zeroKey, value);
            }
            if ((definition.Flags & BpfMapFlags.ReadOnlyProgram) != 0)
                map.Freeze();
        }
        foreach (var definition in File.Maps.Where(m => m.InitialSlots.Count > 0 && m.Type != BpfMapType.ProgArray))
            FillSlots(definition, target => _maps[target].Fd);
    }

    /// <summary>
    /// libbpf's init_map_in_map_slots and init_prog_array_slots: each <c>.values = { [i] = &amp;x }</c> initialiser
    /// becomes an update of key i with x's fd (an inner map's, once the maps exist; a program's, once loaded).
    /// </summary>
    private void FillSlots(MapDefinition definition, Func<string, BpfFileDescriptor> targetFd)
    {
        var map = _mapsByDefinition[definition];
        foreach (var slot in definition.InitialSlots)
        {
            try
            {
                map.Update(slot.Index, targetFd(slot.TargetName).RawFd);
            }
            catch (BpfSyscallException e)
            {
                throw new BpfObjectLoadException($"object '{File.ObjectName}': map '{definition.Name}': slot {slot.Index} = '{slot.TargetName}': {e.Message}", e);
            }
        }
    }

    private BpfMap CreateMap(MapDefinition definition)
    {
        BpfMap? inner = definition.InnerMap is { } innerDefinition ? CreateMap(innerDefinition) : null;
        try
        {
            var options = new BpfMapCreateOptions
            {
                Type = definition.Type,
                KeySize = definition.KeySize,
                ValueSize = definition.ValueSize,
                MaxEntries = MaxEntries(definition),
                Flags = definition.Flags,
                Name = definition.KernelName,
                InnerMap = inner,
                MapExtra = definition.MapExtra,
            };
            if (_structOps.TryGetValue(definition, out var layout))
            {
                // As libbpf: the object's BTF with no key or value type, the kernel's value type by its vmlinux id.
                return BpfMap.Create(options with { ValueSize = (uint)layout.Value.Length, BtfVmlinuxValueTypeId = (uint)layout.ValueTypeId, Btf = _btf });
            }
            if (_btf is null || !TakesBtfTypes(definition.Type) || definition.ValueTypeId == 0)
                return BpfMap.Create(options);
            try
            {
                return BpfMap.Create(options with { Btf = _btf, BtfKeyTypeId = (uint)definition.KeyTypeId, BtfValueTypeId = (uint)definition.ValueTypeId });
            }
            catch (BpfSyscallException)
            {
                // As libbpf: a kernel that rejects the map's BTF types still gets the map without them.
                return BpfMap.Create(options);
            }
        }
        finally
        {
            inner?.Dispose();
        }
    }

    private uint MaxEntries(MapDefinition definition)
    {
        var maxEntries = _maxEntries.TryGetValue(definition, out var overridden) ? overridden : definition.MaxEntries;
        return definition.Type switch
        {
            // A perf event array defaults to one slot per possible CPU (libbpf does the same for 0).
            BpfMapType.PerfEventArray when maxEntries == 0 => (uint)CpuSet.PossibleCount,
            // The kernel wants a power-of-two number of pages: round up, as libbpf's adjust_ringbuf_sz.
            BpfMapType.Ringbuf or BpfMapType.UserRingbuf => RoundRingSize(maxEntries),
            _ => maxEntries,
        };
    }

    private static uint RoundRingSize(uint size)
    {
        // No size at all stays 0, as in libbpf's adjust_ringbuf_sz: the kernel's EINVAL tells the user to set one.
        if (size == 0)
            return 0;
        var page = (uint)Environment.SystemPageSize;
        var pages = Math.Max(1, (size + page - 1) / page);
        return checked(page * System.Numerics.BitOperations.RoundUpToPowerOf2(pages));
    }

    /// <summary>Map types whose key/value the kernel will not describe with BTF (libbpf clears the ids for them).</summary>
    private static bool TakesBtfTypes(BpfMapType type) => type is not (BpfMapType.PerfEventArray or BpfMapType.CgroupArray
        or BpfMapType.StackTrace or BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps or BpfMapType.Devmap
        or BpfMapType.DevmapHash or BpfMapType.Cpumap or BpfMapType.Xskmap or BpfMapType.Sockmap
        or BpfMapType.Sockhash or BpfMapType.Queue or BpfMapType.Stack or BpfMapType.Ringbuf);

    // ---- programs -----------------------------------------------------------------------------------------

    private void LoadPrograms(BpfObjectLoadOptions options, KernelTypes? kernelTypes)
    {
        var sections = File.ProgramSections.ToDictionary(s => s.SectionIndex, s => s.Instructions.ToArray());
        if (kernelTypes is not null && File.Btf is { } localBtf && File.BtfExt is { } ext && ext.CoreRelocations.Sections.Count > 0)
            ApplyCore(sections, localBtf, ext, kernelTypes);
        var ksyms = ResolveKsyms(kernelTypes);
        var linker = new ProgramLinker(File, sections, definition => _mapsByDefinition[definition].Fd.RawFd, external => ksyms[external]);
        var withExtInfo = _btf is not null && KernelFeatures.Btf.HasFlag(BtfFeatures.Func) && File.BtfExt is not null;
        LoadEachProgram(options, kernelTypes, linker, withExtInfo);
        foreach (var definition in File.Maps.Where(m => m.InitialSlots.Count > 0 && m.Type == BpfMapType.ProgArray))
        {
            FillSlots(definition, target => _programs.TryGetValue(target, out var program) ? program.Fd
                : throw new BpfObjectLoadException($"object '{File.ObjectName}': prog array '{definition.Name}' names program '{target}', which is not loaded (autoload off?)"));
        }
    }

    private void LoadEachProgram(BpfObjectLoadOptions options, KernelTypes? kernelTypes, ProgramLinker linker, bool withExtInfo)
    {
        foreach (var program in File.Programs.Where(IsAutoloaded))
        {
            var info = program.Info ?? throw new BpfObjectLoadException($"program '{program.Name}': section '{program.SectionName}' names no known program type");
            var linked = linker.Link(program);
            var loadOptions = new BpfProgramLoadOptions
            {
                Type = info.ProgramType,
                Name = BpfLimits.TruncateObjectName(program.Name),
                License = File.License,
                ExpectedAttachType = StructOpsMember(program.Name) is { } member ? (BpfAttachType)member.MemberIndex : info.ExpectedAttachType ?? 0,
                KernelVersion = File.KernelVersion ?? KernelConfig.KernelVersionCode(),
                LogLevel = options.LogLevel,
                Flags = info.LoadFlags,
                FdArray = _moduleBtf.FdArray,
            };
            if (StructOpsMember(program.Name) is { } target)
                loadOptions = loadOptions with { AttachBtfId = (uint)target.StructTypeId };
            else if (AttachTarget(program, info, kernelTypes) is { } attach)
                loadOptions = loadOptions with { AttachBtfId = attach.TypeId, AttachBtfObject = attach.ModuleBtf };
            if (withExtInfo)
            {
                loadOptions = loadOptions with
                {
                    Btf = _btf,
                    FuncInfo = linked.RenumberExtInfo(File.BtfExt!.FuncInfo),
                    FuncInfoRecordSize = (uint)File.BtfExt.FuncInfo.RecordSize,
                    LineInfo = linked.RenumberExtInfo(File.BtfExt.LineInfo),
                    LineInfoRecordSize = (uint)File.BtfExt.LineInfo.RecordSize,
                };
            }
            try
            {
                _programs[program.Name] = BpfProgram.Load(loadOptions, linked.Instructions);
            }
            catch (BpfProgramLoadException e)
            {
                throw ExplainRejection(e, linked);
            }
            BindReadOnlyData(_programs[program.Name]);
        }
    }

    /// <summary>
    /// As libbpf after each load: every read-only data map (.rodata, .rodata.*) joins the program's maps even when
    /// its code reads none of it, so the constants (bpf_metadata_* among them) stay with the program for tools to show.
    /// </summary>
    private void BindReadOnlyData(BpfProgram program)
    {
        foreach (var rodata in File.Maps.Where(m => m.Kind == MapKind.ReadOnlyData))
        {
            try
            {
                program.BindMap(_mapsByDefinition[rodata]);
            }
            catch (BpfSyscallException e)
            {
                // Not fatal, as in libbpf: kernels before 5.10 have no BPF_PROG_BIND_MAP.
                _warnings.Add($"program '{program.Name}' keeps {rodata.RealName} only if its code reads it: {e.Message}");
            }
        }
    }

    /// <summary>
    /// libbpf's bpf_object__resolve_externs for .ksyms: kfuncs and typed variables by BTF id, untyped variables by
    /// their /proc/kallsyms address; a weak extern the kernel lacks resolves to zeros, a strong one fails the load.
    /// </summary>
    private Dictionary<BpfExtern, KsymValue> ResolveKsyms(KernelTypes? kernelTypes)
    {
        var values = new Dictionary<BpfExtern, KsymValue>();
        var untyped = new List<BpfExtern>();
        foreach (var external in File.Externs.Where(e => e.Kind == ExternKind.Ksym))
        {
            if (!KsymResolver.IsTyped(external))
            {
                untyped.Add(external);
                continue;
            }
            var localBtf = File.Btf!;
            var target = KsymResolver.Resolve(external, localBtf, kernelTypes!.Candidates, out var error);
            if (error is not null)
                throw new BpfObjectLoadException($"object '{File.ObjectName}': {error}");
            values[external] = target switch
            {
                null => new KsymValue(0, 0, 0, 0),
                { BtfIndex: 0 } => new KsymValue(target.Value.TypeId, 0, 0, 0),
                // libbpf's order: externs sorted by name, each module's fd_array slot taken by its first kfunc.
                _ when external.IsFunction => new KsymValue(target.Value.TypeId, 0, _moduleBtf.FdArrayIndex(kernelTypes.ModuleName(target.Value.BtfIndex)), 0),
                _ => new KsymValue(target.Value.TypeId, _moduleBtf.Open(kernelTypes.ModuleName(target.Value.BtfIndex)).RawFd, 0, 0),
            };
        }
        if (untyped.Count > 0)
        {
            var addresses = KernelSymbols.Find(untyped.Select(e => e.Name).ToHashSet(StringComparer.Ordinal));
            foreach (var external in untyped)
            {
                addresses.TryGetValue(external.Name, out var found);
                if (found is not { Count: > 0 } && !external.IsWeak)
                    throw new BpfObjectLoadException($"object '{File.ObjectName}': extern (ksym) '{external.Name}': no such symbol in {KernelSymbols.KallsymsPath}");
                if (found is { Count: > 1 })
                    throw new BpfObjectLoadException($"object '{File.ObjectName}': extern (ksym) '{external.Name}' is ambiguous in {KernelSymbols.KallsymsPath}: {string.Join(" or ", found.Select(a => $"0x{a:x}"))}");
                values[external] = new KsymValue(0, 0, 0, found is { Count: 1 } ? found[0] : 0);
            }
        }
        return values;
    }

    /// <summary>
    /// As the caller set it, else as the section says (SEC("?...") programs load only when asked); a struct_ops
    /// program no struct_ops map uses stays unloaded, as in libbpf 1.4+ (it would have no struct to attach to).
    /// </summary>
    private bool IsAutoloaded(ProgramDefinition program) =>
        _autoload.TryGetValue(program.Name, out var autoload) ? autoload
            : program.Info is { ProgramType: BpfProgramType.StructOps } ? program.Info.Autoload && IsStructOpsMember(program.Name)
            : program.Info?.Autoload ?? true;

    private bool IsStructOpsMember(string programName) =>
        File.Maps.Any(m => m.StructOps?.Functions.Any(f => f.ProgramName == programName) == true);

    /// <summary>The kernel struct and member a struct_ops program implements (its attach_btf_id and expected_attach_type), or null.</summary>
    private (int StructTypeId, int MemberIndex)? StructOpsMember(string programName)
    {
        foreach (var layout in _structOps.Values)
        {
            foreach (var (program, memberIndex, _) in layout.Functions)
            {
                if (program == programName)
                    return (layout.StructTypeId, memberIndex);
            }
        }
        return null;
    }

    /// <summary>
    /// Registers struct_ops map <paramref name="mapName"/> with the kernel subsystem it implements (a TCP congestion
    /// control, say), as libbpf's bpf_map__attach_struct_ops: its value, each function pointer set to its program's
    /// fd, is written with BPF_MAP_UPDATE_ELEM; a <c>.struct_ops.link</c> map (BPF_F_LINK) then gets a bpf_link
    /// (BPF_LINK_CREATE with BPF_STRUCT_OPS). Disposing the link unregisters it.
    /// </summary>
    public BpfLink AttachStructOps(string mapName)
    {
        var definition = File.FindMap(mapName);
        if (definition is null || !_structOps.TryGetValue(definition, out var layout))
            throw new BpfAttachException($"object '{File.ObjectName}' has no loaded struct_ops map '{mapName}'");
        var value = layout.ValueWithPrograms(program => _programs.TryGetValue(program, out var loaded)
            ? loaded.Fd.RawFd
            : throw new BpfAttachException($"struct_ops map '{mapName}': its program '{program}' is not loaded"));
        var link = StructOpsLink.Register(_mapsByDefinition[definition], value, definition.StructOps!.TypeName);
        _links.Add(link);
        return link;
    }

    private void ApplyCore(Dictionary<int, BpfInstruction[]> sections, Btf localBtf, BtfExt ext, KernelTypes kernelTypes) =>
        _coreRelocations.AddRange(RelocateCore(sections, localBtf, ext, kernelTypes));

    /// <summary>Patches <paramref name="sections"/> in place; every function's relocations, with their resolutions.</summary>
    private IReadOnlyList<CoreRelocationResult> RelocateCore(Dictionary<int, BpfInstruction[]> sections, Btf localBtf, BtfExt ext, KernelTypes kernelTypes)
    {
        var relocator = new CoreRelocator(localBtf, ext, kernelTypes.Candidates);
        var programs = File.Functions
            .Where(f => f.IsSubprogram || IsAutoloaded(f))
            .Select(f => new CoreProgram(f.Name, f.SectionName, f.InstructionOffset, sections[f.SectionIndex].AsMemory(f.InstructionOffset, f.InstructionCount)))
            .ToList();
        try
        {
            return relocator.Apply(programs);
        }
        catch (CoreRelocationException e)
        {
            throw new BpfObjectLoadException($"object '{File.ObjectName}': CO-RE relocation failed: {e.Message}", e);
        }
        catch (BtfFormatException e)
        {
            throw new BpfObjectLoadException($"object '{File.ObjectName}': CO-RE relocation failed on malformed BTF: {e.Message}", e);
        }
    }

    /// <summary>tp_btf/, fentry/, fexit/, lsm/, iter/ programs name a kernel type: its id in vmlinux goes into attach_btf_id.</summary>
    /// <summary>
    /// attach_btf_id (and attach_btf_obj_fd) of a program that attaches by BTF (fentry, tp_btf, lsm...): found in
    /// vmlinux, then in each module's BTF, as libbpf's find_kernel_btf_id; null for other programs.
    /// </summary>
    private (uint TypeId, BpfFileDescriptor? ModuleBtf)? AttachTarget(ProgramDefinition program, ProgramSectionInfo info, KernelTypes? kernelTypes)
    {
        if (info.AttachBtfType is not { } attach)
            return null;
        if (info.ProgramType == BpfProgramType.Ext)
            throw new BpfObjectLoadException($"program '{program.Name}': freplace replaces a function of another BPF program ('{info.AttachTarget}'), which must be given as the target program; loading the object alone cannot do that");
        var candidates = kernelTypes?.Candidates ?? throw new BpfObjectLoadException($"program '{program.Name}' needs the kernel's BTF to attach");
        for (var index = 0; index < candidates.Count; index++)
        {
            var btf = candidates[index];
            var id = btf.FindTypeId(attach.Name, attach.Kind);
            // A module's split BTF also answers for vmlinux's types, which index 0 has already ruled out.
            if (id <= 0 || id < btf.FirstTypeId)
                continue;
            return index == 0 ? ((uint)id, null) : ((uint)id, _moduleBtf.Open(kernelTypes.ModuleName(index)));
        }
        throw new BpfObjectLoadException($"program '{program.Name}': the kernel has no {attach.Kind.ToUapiName()} '{attach.Name}' to attach to (in vmlinux or a module's BTF)");
    }

    /// <summary>
    /// A verifier rejection at a poisoned instruction means a CO-RE relocation found nothing in this kernel:
    /// name that relocation and its source line rather than leave "invalid func unknown#195896080". With several
    /// poisoned sites (one behind a bpf_core_field_exists guard, say) it is the one at the instruction the
    /// verifier stopped at.
    /// </summary>
    private BpfObjectLoadException ExplainRejection(BpfProgramLoadException rejection, LinkedProgram linked)
    {
        var poisoned = _coreRelocations
            .Where(r => r.Poisoned)
            .Select(r => (Result: r, Function: linked.Placements.Select(p => p.Function).FirstOrDefault(f => f.SectionName == r.SectionName
                && r.SectionInstructionIndex >= f.InstructionOffset && r.SectionInstructionIndex < f.InstructionOffset + f.InstructionCount)))
            .Where(x => x.Function is not null)
            .ToList();
        var rejectedAt = RejectedPoisonIndex(rejection.Log);
        if (rejection.Log.Length == 0)
        {
            // No log: the kernel refused before (or without) the verifier saying anything; the hints say why.
            return new BpfObjectLoadException($"program '{linked.Program.Name}' was refused by the kernel ({rejection.ErrnoName}) without a verifier log",
                rejection, () => rejection.Hints);
        }

        if (VerifierVerdict(rejection.LogTail) is not { } verdict)
        {
            // Only the verifier's statistics: it accepted the program, and a later step of the load refused it.
            return new BpfObjectLoadException($"program '{linked.Program.Name}' passed the verifier but was refused by the kernel ({rejection.ErrnoName})",
                rejection, () => rejection.Hints);
        }

        var message = new StringBuilder($"program '{linked.Program.Name}' was rejected by the verifier ({rejection.ErrnoName}): ");
        CoreRelocationResult? relocation = null;
        if (poisoned.Count > 0 && rejection.Log.Contains(CoreRelocator.PoisonHelperId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            var (result, function) = poisoned.FirstOrDefault(p => linked.FinalIndex(p.Function!, p.Result.SectionInstructionIndex) == rejectedAt) is { Function: not null } rejected
                ? rejected
                : poisoned[0];
            relocation = result;
            message.Append($"CO-RE relocation #{result.RelocationIndex} ({result.Kind}) of {result.LocalSpec} found no match in the kernel's BTF");
            if (SourceLine(function!.SectionName, result.SectionInstructionIndex) is { } line)
                message.Append($" at {line}");
        }
        else
        {
            message.Append(verdict);
        }
        return new BpfObjectLoadException(message.ToString(), rejection)
        {
            VerifierLog = rejection.Log,
            VerifierLogTail = rejection.LogTail,
            Relocation = relocation,
        };
    }

    /// <summary>
    /// The instruction index of the poisoned call the verifier rejected, from the last "N: (85) call
    /// unknown#195896080" it printed before "invalid func unknown#195896080"; -1 if the log does not say.
    /// </summary>
    private static int RejectedPoisonIndex(string log)
    {
        var poisonCall = ": (85) call unknown#" + CoreRelocator.PoisonHelperId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var end = log.LastIndexOf("invalid func unknown#", StringComparison.Ordinal);
        var call = end < 0 ? -1 : log.LastIndexOf(poisonCall, end, StringComparison.Ordinal);
        if (call < 0)
            return -1;
        var lineStart = log.LastIndexOf('\n', call) + 1;
        return int.TryParse(log.AsSpan(lineStart, call - lineStart), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : -1;
    }

    /// <summary>"file:line: source" of an instruction, from line_info.</summary>
    private string? SourceLine(string sectionName, int sectionInstructionIndex)
    {
        if (File.BtfExt?.LineInfo.ForSection(sectionName) is not { } lines || File.Btf is not { } btf)
            return null;
        BpfLineInfo? best = null;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines.GetLineInfo(i);
            if (line.InstructionOffset / BpfInstruction.Size <= sectionInstructionIndex && (best is null || line.InstructionOffset >= best.Value.InstructionOffset))
                best = line;
        }
        if (best is not { } found)
            return null;
        var file = Path.GetFileName(btf.GetString(found.FileNameOffset));
        var source = btf.GetString(found.LineOffset).Trim();
        return $"{file}:{found.Line}: {source}";
    }

    /// <summary>The log's last line that is not one of the statistics the verifier ends with; null when there is none.</summary>
    private static string? VerifierVerdict(string logTail)
    {
        var lines = logTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.LastOrDefault(l => !l.StartsWith("processed ", StringComparison.Ordinal) && !l.StartsWith("verification time", StringComparison.Ordinal) && !l.StartsWith("stack depth", StringComparison.Ordinal));
    }

    private void CloseAll()
    {
        foreach (var link in _links)
            link.Dispose();
        _links.Clear();
        foreach (var program in _programs.Values)
            program.Dispose();
        _programs.Clear();
        foreach (var map in _maps.Values)
            map.Dispose();
        _maps.Clear();
        _mapsByDefinition.Clear();
        _btf?.Dispose();
        _btf = null;
        _moduleBtf.Dispose();
    }
}
