using System.Reflection;
using System.Runtime.InteropServices;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

// One line per suite, as tests/run.sh counts them: "PASS <suite> on <arch>: N tests" or "FAIL <suite> on <arch>:
// N of M failed", each failure named before it. Exit code 1 if any test failed. The end-to-end CLI tests are left
// to the host run: they start the host's rawbpf.dll and bpftool, so they would not test arm64 code.
var architecture = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
var failed = false;
foreach (var suite in new[] { typeof(RawBpf.BtfCore.Tests.LookupTests).Assembly, typeof(RawBpf.Elf.Tests.ObjectModelTests).Assembly })
{
    var (total, failures) = Suite.Run(suite);
    foreach (var failure in failures)
        Console.WriteLine($"  failed {failure}");
    var name = suite.GetName().Name;
    Console.WriteLine(failures.Count == 0
        ? $"PASS {name} on {architecture}: {total} tests"
        : $"FAIL {name} on {architecture}: {failures.Count} of {total} failed");
    failed |= failures.Count > 0;
}
return failed ? 1 : 0;

/// <summary>Discovers and runs one test assembly with xunit's XunitTestFramework, sequentially.</summary>
internal static class Suite
{
    private static readonly HashSet<string> HostProcessClasses = ["RawBpf.BtfCore.Tests.RawBpfCliTests"];

    public static (int Total, List<string> Failures) Run(Assembly assembly)
    {
        var diagnostics = new Sink();
        using var framework = new XunitTestFramework(diagnostics);
        var assemblyInfo = Reflector.Wrap(assembly);
        var discovery = new Sink();
        using (var discoverer = framework.GetDiscoverer(assemblyInfo))
        {
            discoverer.Find(includeSourceInformation: false, discovery, new Options());
            discovery.Finished.Wait();
        }

        var execution = new Sink();
        using (var executor = framework.GetExecutor(assembly.GetName()))
        {
            executor.RunTests(discovery.TestCases.Where(test => !HostProcessClasses.Contains(test.TestMethod.TestClass.Class.Name)),
                execution, new Options());
            execution.Finished.Wait();
        }
        return (execution.Total, execution.Failures);
    }

    /// <summary>Collects discovered test cases, results, and the completion of either phase.</summary>
    private sealed class Sink : LongLivedMarshalByRefObject, IMessageSink
    {
        public List<ITestCase> TestCases { get; } = [];
        public List<string> Failures { get; } = [];
        public int Total { get; private set; }
        public ManualResetEventSlim Finished { get; } = new();

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestCaseDiscoveryMessage discovered:
                    TestCases.Add(discovered.TestCase);
                    break;
                case ITestPassed or ITestSkipped:
                    Total++;
                    break;
                case ITestFailed failure:
                    Total++;
                    Failures.Add($"{failure.Test.DisplayName}: {string.Join(" | ", failure.Messages).ReplaceLineEndings(" ")}");
                    break;
                case IDiscoveryCompleteMessage or ITestAssemblyFinished:
                    Finished.Set();
                    break;
            }
            return true;
        }
    }

    /// <summary>Default options: xunit reads each by name and falls back to its default when given null.</summary>
    private sealed class Options : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = new()
        {
            ["xunit.execution.DisableParallelization"] = true,
        };

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var value) && value is TValue typed ? typed : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }
}
