#!/usr/bin/env bash
# Ring buffer throughput: RawBpf's RingBuffer (bench/RingBufferThroughput, Native AOT) against libbpf's
# ring_buffer__poll/consume (ringbuf_libbpf.c), both reading what bench/ringbuf/ringbuf_bench.bpf.c produces.
# Runs them alternately ROUNDS times. Usage: bench/ringbuf/run.sh [SECONDS=3] [PRODUCERS=1] [ROUNDS=3]  (root)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-3} producers=${2:-1} rounds=${3:-3}
out=artifacts/bench
mkdir -p "$out"
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
clang -target bpf -O2 -g -Wall -Werror -Ibpf/include -D__TARGET_ARCH_x86 -idirafter /usr/include/x86_64-linux-gnu \
    -c bench/ringbuf/ringbuf_bench.bpf.c -o "$out/ringbuf_bench.bpf.o"
cc -O2 -g -Wall -Wextra -Werror bench/ringbuf/ringbuf_libbpf.c -o "$out/ringbuf_libbpf" -lbpf -lelf -lz -lpthread
dotnet publish bench/RingBufferThroughput/RingBufferThroughput.csproj -c Release -r linux-x64 -o "$out/rawbpf" --nologo -v quiet
for ((i = 1; i <= rounds; i++)); do
    "$out/rawbpf/RingBufferThroughput" "$out/ringbuf_bench.bpf.o" "$seconds" "$producers"
    "$out/ringbuf_libbpf" "$out/ringbuf_bench.bpf.o" "$seconds" "$producers"
done
