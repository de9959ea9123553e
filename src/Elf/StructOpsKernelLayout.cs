using RawBpf.BtfCore;
using RawBpf.Uapi;

namespace RawBpf.Elf;

/// <summary>
/// libbpf's <c>bpf_map__init_kern_struct_ops</c>: a struct_ops map laid out as the running kernel wants it. The map
/// value is the kernel's <c>struct bpf_struct_ops_&lt;name&gt;</c> (its id goes into btf_vmlinux_value_type_id), whose
/// data member is the kernel's <c>struct &lt;name&gt;</c>; members are matched by name, plain members copied from the
/// object's bytes, and each function pointer becomes the fd of its program at registration. Each program loads with
/// attach_btf_id the kernel struct's id and expected_attach_type the kernel member's index.
/// </summary>
internal sealed class StructOpsKernelLayout
{
    private const string ValuePrefix = "bpf_struct_ops_";

    private StructOpsKernelLayout(int structTypeId, int valueTypeId, byte[] value, IReadOnlyList<(string Program, int MemberIndex, int ValueOffset)> functions)
    {
        StructTypeId = structTypeId;
        ValueTypeId = valueTypeId;
        Value = value;
        Functions = functions;
    }

    /// <summary>
    /// <c>tcp_congestion_ops</c> for the kernel's <c>bpf_struct_ops_tcp_congestion_ops</c>, the value type a struct_ops
    /// map's btf_vmlinux_value_type_id names (bpftool struct_ops show); a name without the prefix stays as it is.
    /// </summary>
    public static string StructName(string valueTypeName)
    {
        ArgumentNullException.ThrowIfNull(valueTypeName);
        return valueTypeName.StartsWith(ValuePrefix, StringComparison.Ordinal) ? valueTypeName[ValuePrefix.Length..] : valueTypeName;
    }

    /// <summary>The kernel's <c>struct &lt;name&gt;</c>: each program's attach_btf_id.</summary>
    public int StructTypeId { get; }

    /// <summary>The kernel's <c>struct bpf_struct_ops_&lt;name&gt;</c>: the map's btf_vmlinux_value_type_id.</summary>
    public int ValueTypeId { get; }

    /// <summary>The map value with every plain member copied and every function pointer still 0.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>Each program: its kernel member index (expected_attach_type) and where its fd goes in <see cref="Value"/>.</summary>
    public IReadOnlyList<(string Program, int MemberIndex, int ValueOffset)> Functions { get; }

    /// <summary>The value with each program's fd written at its function pointer (an <c>unsigned long</c>).</summary>
    public byte[] ValueWithPrograms(Func<string, int> programFd)
    {
        ArgumentNullException.ThrowIfNull(programFd);
        var value = Value.ToArray();
        foreach (var (program, _, offset) in Functions)
            BitConverter.TryWriteBytes(value.AsSpan(offset, 8), (ulong)programFd(program));
        return value;
    }

    /// <summary>The layout of <paramref name="map"/> in <paramref name="kernel"/>'s BTF, or null with <paramref name="error"/> saying what does not match.</summary>
    public static StructOpsKernelLayout? Resolve(MapDefinition map, Btf local, Btf kernel, out string? error)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(kernel);
        var definition = map.StructOps ?? throw new ArgumentException($"map '{map.Name}' is not a struct_ops map", nameof(map));
        var name = definition.TypeName;
        error = null;
        var structId = kernel.FindTypeId(name, BtfKind.Struct);
        if (structId <= 0)
            return Fail($"struct {name} is not in the kernel's BTF", out error);
        var valueId = kernel.FindTypeId(ValuePrefix + name, BtfKind.Struct);
        if (valueId <= 0)
            return Fail($"struct {ValuePrefix}{name} is not in the kernel's BTF (the kernel has no struct_ops for {name})", out error);
        var valueType = kernel.GetType(valueId);
        var dataOffset = -1;
        foreach (var member in valueType.Members)
        {
            if (member.TypeId == structId)
            {
                dataOffset = (int)(member.BitOffset / 8);
                break;
            }
        }
        if (dataOffset < 0)
            return Fail($"struct {ValuePrefix}{name} has no member of type struct {name}", out error);
        var kernelStruct = kernel.GetType(structId);
        var localStruct = local.GetType(definition.TypeId);
        var data = map.InitialValue.Span;
        var value = new byte[valueType.Size];
        var functions = new List<(string, int, int)>();
        for (var i = 0; i < localStruct.Members.Count; i++)
        {
            var member = localStruct.Members[i];
            var memberName = member.Name;
            var kernelIndex = -1;
            for (var k = 0; k < kernelStruct.Members.Count && kernelIndex < 0; k++)
            {
                if (kernelStruct.Members[k].Name == memberName)
                    kernelIndex = k;
            }
            if (kernelIndex < 0)
                return Fail($"the kernel's struct {name} has no member '{memberName}'", out error);
            var kernelMember = kernelStruct.Members[kernelIndex];
            if (member.BitfieldSize != 0 || kernelMember.BitfieldSize != 0)
                return Fail($"member '{memberName}' is a bitfield, which struct_ops does not support", out error);
            var localType = local.SkipModifiersAndTypedefs(member.TypeId);
            var kernelType = kernel.SkipModifiersAndTypedefs(kernelMember.TypeId);
            if (localType.Kind != kernelType.Kind)
                return Fail($"member '{memberName}' is {localType.Kind.ToUapiName()} in the object, {kernelType.Kind.ToUapiName()} in the kernel", out error);
            var localOffset = (int)(member.BitOffset / 8);
            var kernelOffset = dataOffset + (int)(kernelMember.BitOffset / 8);
            if (localType.Kind == BtfKind.Ptr)
            {
                var function = definition.Functions.FirstOrDefault(f => f.MemberIndex == i);
                if (function is null)
                    continue;
                if (kernel.SkipModifiersAndTypedefs(kernelType.TypeId).Kind != BtfKind.FuncProto)
                    return Fail($"the kernel's member '{memberName}' is not a function pointer", out error);
                functions.Add((function.ProgramName, kernelIndex, kernelOffset));
                continue;
            }
            var size = local.ResolveSize(localType.Id);
            var kernelSize = kernel.ResolveSize(kernelType.Id);
            if (size != kernelSize)
                return Fail($"member '{memberName}' is {size} bytes in the object, {kernelSize} in the kernel", out error);
            data.Slice(localOffset, (int)size).CopyTo(value.AsSpan(kernelOffset));
        }
        return new StructOpsKernelLayout(structId, valueId, value, functions);
    }

    private static StructOpsKernelLayout? Fail(string problem, out string? error)
    {
        error = problem;
        return null;
    }
}
