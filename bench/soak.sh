#!/usr/bin/env bash
# Soak: 1,000,000 process exits through rawexitsnoop, nothing lost, RSS flat.
# Too long for CI (a few minutes); its result goes into docs/benchmarks.md.
#
#   bench/soak.sh [BATCHES=100] [CHILDREN_PER_WORKER=5000] [WORKERS=2]
#
# Each batch runs bench/loadgen/forkexit (WORKERS processes forking CHILDREN_PER_WORKER children each, which
# exit at once). rawexitsnoop writes its table to a file; after each batch the script samples its RSS.
# Verdict: every forkexit exit was reported (children + workers + the forkexit parent), no loss was counted,
# and the mean RSS of the last 10% of batches is within 10% of the first 10%.
set -euo pipefail
cd "$(dirname "$0")/.."
batches=${1:-100}
children=${2:-5000}
workers=${3:-2}

[[ -x artifacts/bin/rawexitsnoop ]] || src/Cli/publish.sh
make -s -C bench/baseline "$PWD/artifacts/baseline/forkexit" >/dev/null

work=$(mktemp -d)
trap 'kill "$tracer" 2>/dev/null || true; rm -rf "$work"' EXIT
artifacts/bin/rawexitsnoop >"$work/exits.txt" 2>"$work/stderr.txt" &
tracer=$!
until [[ -s "$work/exits.txt" ]]; do sleep 0.05; done   # the header: attached

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$tracer/status"; }
start=$(date +%s.%N)
: >"$work/rss.txt"
for ((batch = 1; batch <= batches; batch++)); do
    artifacts/baseline/forkexit "$children" "$workers" >/dev/null
    rss_kib >>"$work/rss.txt"
done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
sleep 1
kill -TERM "$tracer"
wait "$tracer" || true

expected=$((batches * (children * workers + workers + 1)))
reported=$(grep -c ' forkexit$' "$work/exits.txt" || true)
summary=$(tail -n 1 "$work/stderr.txt")
python3 - "$work/rss.txt" "$expected" "$reported" "$elapsed" "$summary" <<'PY'
import sys
rss = [int(x) for x in open(sys.argv[1]) if x.strip()]
expected, reported, elapsed, summary = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
tenth = max(1, len(rss) // 10)
first, last = sum(rss[:tenth]) / tenth, sum(rss[-tenth:]) / tenth
print(f"exits generated (forkexit):  {expected}")
print(f"exits reported:              {reported}")
print(f"rate:                        {expected / elapsed:,.0f} exits/s over {elapsed:.1f} s")
print(f"RSS first 10% / last 10%:    {first / 1024:.1f} MiB / {last / 1024:.1f} MiB (max {max(rss) / 1024:.1f} MiB)")
print(f"tool summary:                {summary}")
ok = reported == expected and summary.endswith(", 0 lost") and last <= first * 1.10
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
