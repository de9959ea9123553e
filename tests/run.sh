#!/usr/bin/env bash
# Every test, on a fresh Debian machine with the .NET SDK, as root (the tests load BPF programs for real):
# installs what the tests need, builds, publishes the Native AOT tools to artifacts/bin/, runs the suites.
# clang-16 builds the TYPE_MATCHES test object (Debian's default clang 14 has no such builtin); bpftool and
# libbpf-dev serve as test oracles only. The arm64 cross compiler and headers build the arm64 tools and check
# the interop layouts of both architectures; qemu-user-static runs the pure suites as arm64 code. iproute2 (ip, tc)
# makes the networking tests' namespaces and checks their filters.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(clang clang-16 llvm libbpf-dev bpftool strace dwarves gcc libelf-dev zlib1g-dev
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross libstdc++6-arm64-cross qemu-user-static qemu-system-arm
    linux-source-6.1 iproute2)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

dotnet build RawBpf.sln -c Release --nologo -v quiet
src/Cli/publish.sh
src/Cli/publish.sh --arch arm64

results=$(mktemp -d)
status=0
# One assembly at a time: kernel tests count programs and descriptors, which a parallel run would disturb.
for project in tests/*/*.Tests.csproj; do
    name=$(basename "$project" .csproj)
    dotnet test "$project" -c Release --no-build --nologo \
        --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=normal" || status=1
done
# The pure suites (BtfCore, Elf) once more as arm64 code, under qemu-aarch64 user-mode emulation: byte order and
# alignment assumptions checked on the other architecture. One PASS/FAIL line per suite. (The publish restores
# both RIDs, so a host build of the same projects finds its assets too.)
dotnet publish tests/PureRunner/RawBpf.PureRunner.csproj -c Release -r linux-arm64 --self-contained \
    -p:RuntimeIdentifiers='"linux-x64;linux-arm64"' -o artifacts/pure-arm64 --nologo -v quiet
DOTNET_EnableWriteXorExecute=0 qemu-aarch64-static -L /usr/aarch64-linux-gnu artifacts/pure-arm64/RawBpf.PureRunner \
    | tee "$results/pure-arm64.txt" || status=1
# The build must not depend on where the clone lies: a fresh clone under a folder named src builds too.
tests/clone/run.sh | tee "$results/clone.txt" || status=1
# The NuGet packages: packed into a local feed, then a sample consumer and an app from the template package build
# from that feed alone and read 5 events each.
tests/packages/run.sh | tee "$results/packages.txt" || status=1
# Conformance with libbpf on the kernel's BPF selftests (the CI subset; --full for all): one line per object.
tests/conformance/run.sh | tee "$results/conformance.txt" || status=1
# The kernel matrix: the published tools on Debian's 5.10, 6.1 and 6.12 kernels under qemu, and the arm64 tools on
# Debian's arm64 6.1 and 6.12, one line each; the x86-64 guests also compare the conformance subset with libbpf.
tests/kernels/run.sh --conformance | tee "$results/kernels.txt" || status=1

python3 - "$results" <<'PY'
import glob, html, re, sys
passed = failed = skipped = 0
# The script checks (kernel matrix, clone path, packages) print one PASS or FAIL line each.
for path in glob.glob(sys.argv[1] + "/*.txt"):
    for line in open(path, encoding="utf-8"):
        if line.startswith("PASS "):
            passed += 1
        elif line.startswith("FAIL"):
            failed += 1
            print(line.rstrip()[:300])
for path in glob.glob(sys.argv[1] + "/*.trx"):
    text = open(path, encoding="utf-8").read()
    m = re.search(r'<Counters [^>]*', text)
    if not m:
        continue
    counters = dict(re.findall(r'(\w+)="(\d+)"', m.group(0)))
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    skipped += int(counters.get("notExecuted", 0))
    # Name each failure at the end, where a CI log's tail shows it.
    for result in re.finditer(r'<UnitTestResult [^>]*testName="([^"]*)"[^>]*outcome="Failed".*?</UnitTestResult>', text, re.S):
        message = re.search(r'<Message>(.*?)</Message>', result.group(0), re.S)
        first = html.unescape(message.group(1)).strip().splitlines()[0] if message else ""
        print(f"FAILED {html.unescape(result.group(1))}: {first[:300]}")
print(f"Tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
