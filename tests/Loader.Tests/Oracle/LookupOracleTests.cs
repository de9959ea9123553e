using RawBpf.BtfCore;
using RawBpf.Tests.Shared;
using RawBpf.Uapi;

namespace RawBpf.BtfCore.Tests;

/// <summary>Lookups by name at the ids bpftool prints for them.</summary>
public sealed class LookupOracleTests
{
    /// <summary>bpftool's dump names each type at its id: the oracle for our id ↔ name mapping.</summary>
    private static int BpftoolIdOf(byte[] dump, string kindAndName)
    {
        var needle = $"] {kindAndName} ";
        foreach (var line in System.Text.Encoding.UTF8.GetString(dump).Split('\n'))
        {
            if (line.StartsWith('[') && line.Contains(needle, StringComparison.Ordinal))
                return int.Parse(line[1..line.IndexOf(']')]);
        }
        return -1;
    }

    [Fact]
    public void Finds_vmlinux_types_by_name_at_bpftools_ids()
    {
        var dump = ExternalTool.RunChecked("bpftool", "btf", "dump", "file", BtfFiles.Vmlinux);
        using var btf = BtfFiles.Read(BtfFiles.Vmlinux);
        var taskStruct = btf.FindTypeId("task_struct", BtfKind.Struct);
        Assert.Equal(BpftoolIdOf(dump, "STRUCT 'task_struct'"), taskStruct);
        Assert.Equal(BpftoolIdOf(dump, "FUNC 'do_exit'"), btf.FindTypeId("do_exit", BtfKind.Func));
        Assert.Equal(BpftoolIdOf(dump, "ENUM 'pid_type'"), btf.FindTypeId("pid_type", BtfKind.Enum));
        Assert.Equal(-1, btf.FindTypeId("task_struct", BtfKind.Union));
        Assert.Equal(-1, btf.FindTypeId("no_such_type_anywhere", BtfKind.Struct));
        var type = btf.GetType(taskStruct);
        Assert.Equal("task_struct", type.Name);
        Assert.True(type.Members.Count > 100);
        var names = new List<string>();
        foreach (var member in type.Members)
            names.Add(member.Name);
        Assert.Contains("pid", names);
    }
}
