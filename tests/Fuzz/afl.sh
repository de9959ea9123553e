#!/usr/bin/env bash
# Fuzzes one target with AFL++ (Debian's afl++) over SharpFuzz-instrumented RawBpf assemblies.
#   tests/Fuzz/afl.sh TARGET [SECONDS] [OUT_DIR]      TARGET: elf btf btfext core kernel
# Builds tests/Fuzz, publishes a copy to tests/Fuzz/bin/afl and instruments RawBpf.BtfCore.dll and
# RawBpf.Elf.dll there, seeds a corpus from the clang-built objects and /sys/kernel/btf/vmlinux, then runs
# afl-fuzz for SECONDS (default 600). Crashes land in OUT_DIR/default/crashes; replay them with
#   tests/Fuzz/bin/Release/net10.0/rawbpf-fuzz repro TARGET FILE...
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: tests/Fuzz/afl.sh TARGET [SECONDS] [OUT_DIR]}
seconds=${2:-600}
out=${3:-/tmp/rawbpf-afl/$target}
work=$(dirname "$out")

command -v afl-fuzz >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null; }

dotnet build tests/Fuzz -c Release --nologo -v quiet
plain=tests/Fuzz/bin/Release/net10.0/rawbpf-fuzz
instrumented=tests/Fuzz/bin/afl
if [[ ! -f $instrumented/.instrumented || $instrumented/.instrumented -ot src/Elf/bin/Release/net10.0/RawBpf.Elf.dll \
      || $instrumented/.instrumented -ot src/BtfCore/bin/Release/net10.0/RawBpf.BtfCore.dll ]]; then
    rm -rf "$instrumented"
    dotnet publish tests/Fuzz -c Release --nologo -v quiet -o "$instrumented"
    "$plain" instrument "$instrumented/RawBpf.BtfCore.dll" "$instrumented/RawBpf.Elf.dll"
    touch "$instrumented/.instrumented"
fi

mkdir -p "$work"
[[ -d $work/corpus/$target ]] || "$plain" seed-corpus "$work/corpus"
resume=()
[[ -d $out/default/queue ]] && resume=(-i -) || resume=(-i "$work/corpus/$target")
# The target is a .NET process, not an afl-instrumented binary; SharpFuzz speaks the fork-server protocol.
AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    timeout --signal=INT "$seconds" afl-fuzz "${resume[@]}" -o "$out" -t 10000 -m none -- "$instrumented/rawbpf-fuzz" afl "$target" \
    >"$work/$target.log" 2>&1 || true
grep -E 'execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|run_time' "$out/default/fuzzer_stats"
