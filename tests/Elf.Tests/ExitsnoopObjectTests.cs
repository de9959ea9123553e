namespace RawBpf.Elf.Tests;

public class DumpTests
{
    [Fact]
    public void Dump()
    {
        var lines = new List<string>();
        foreach (var path in TestObjects.AllObjects())
        {
            lines.Add("==== " + path);
            try
            {
                var o = BpfObjectFile.Load(path);
                lines.Add($"license={o.License} name={o.ObjectName}");
                foreach (var p in o.Functions) lines.Add(p + " " + p.Info?.ProgramType + " " + p.Info?.AttachTarget);
                foreach (var m in o.Maps) lines.Add(m + $" kt={m.KeyTypeId} vt={m.ValueTypeId} " + string.Join(",", m.Variables.Select(v => $"{v.Name}@{v.Offset}/{v.Size}/{v.Linkage}")));
                foreach (var e in o.Externs) lines.Add(e + $" {e.KconfigType} off={e.KconfigOffset} size={e.KconfigSize}");
                foreach (var s in o.ProgramSections) foreach (var r in s.Relocations) lines.Add(r + $" map={r.Map?.Name} off={r.DataOffset} target={r.TargetInstructionIndex} {r.TargetFunction?.Name}");
            }
            catch (Exception e)
            {
                lines.Add("ERROR " + e);
            }
        }
        File.WriteAllLines("/tmp/elfdump.txt", lines);
    }
}
