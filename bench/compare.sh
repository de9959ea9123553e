#!/usr/bin/env bash
# rawexitsnoop against the libbpf baseline loading the same artifacts/bpf/exitsnoop.bpf.o.
# Builds both (Native AOT publish, make), then runs them alternately (A B A B ...) and prints a table of
# medians and ratios: time until attached, CPU and peak RSS under 40,000 exits, records captured, size, ldd.
# Usage: bench/compare.sh [--no-build] [--pairs N] [--exits N] [--workers N]   (root; BPF must work)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--no-build" ]]; then
    shift
else
    src/Cli/publish.sh
    make -s -C bench/baseline
fi
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
exec python3 bench/compare.py "$@"
