#!/usr/bin/env bash
# Conformance against libbpf: the kernel's own BPF selftests (tools/testing/selftests/bpf/progs/*.c from Debian's
# linux-source package), compiled as their Makefile does, each object loaded by `bpftool prog loadall` (libbpf,
# the oracle) and by `rawbpf prog loadall`, the results compared program by program and map by map.
#   tests/conformance/run.sh            the CI subset (tests/conformance/subset.txt), one PASS/FAIL line each
#   tests/conformance/run.sh --full     every object of the corpus
#   tests/conformance/run.sh OBJ.c...   just these sources (names as in progs/)
# Everything it makes (the unpacked source, vmlinux.h, the object cache by source hash) stays under
# artifacts/conformance/. Needs root, clang (clang-16 when present), bpftool, python3, linux-source.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=$root/artifacts/conformance
mkdir -p "$work"

tarball=${LINUX_SOURCE_TARBALL:-$(ls -v /usr/src/linux-source-*.tar.xz 2>/dev/null | tail -n 1)}
if [[ -z "$tarball" ]]; then
    echo "FAIL conformance: no /usr/src/linux-source-*.tar.xz (apt-get install linux-source)"
    exit 1
fi
tree=$work/$(basename "$tarball" .tar.xz)
if [[ ! -d "$tree/tools/testing/selftests/bpf/progs" ]]; then
    tar -xJf "$tarball" -C "$work" --wildcards "$(basename "$tree")/tools/*" "$(basename "$tree")/scripts/bpf_doc.py"
fi

# The headers libbpf installs next to the selftests (bpf_helpers.h and the rest, bpf_helper_defs.h generated from
# the same tree's uapi bpf.h), and a vmlinux.h of the running kernel.
include=$tree/conformance-include
if [[ ! -f "$include/bpf/bpf_helper_defs.h" ]]; then
    mkdir -p "$include/bpf"
    cp "$tree"/tools/lib/bpf/*.h "$include/bpf/"
    python3 "$tree/scripts/bpf_doc.py" --header --file "$tree/tools/include/uapi/linux/bpf.h" \
        > "$include/bpf/bpf_helper_defs.h.tmp"
    mv "$include/bpf/bpf_helper_defs.h.tmp" "$include/bpf/bpf_helper_defs.h"
fi
vmlinux_h=$include/vmlinux.h
if [[ ! -s "$vmlinux_h" || /sys/kernel/btf/vmlinux -nt "$vmlinux_h" ]]; then
    # rawbpf's own C dump once it has one, else bpftool's.
    if ! artifacts/bin/rawbpf btf dump file /sys/kernel/btf/vmlinux format c > "$vmlinux_h.tmp" 2>/dev/null; then
        bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$vmlinux_h.tmp"
    fi
    mv "$vmlinux_h.tmp" "$vmlinux_h"
fi

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
exec python3 "$root/tests/conformance/conformance.py" --tree "$tree" --include "$include" --work "$work" \
    --rawbpf "$root/artifacts/bin/rawbpf" --subset "$root/tests/conformance/subset.txt" \
    --known "$root/docs/conformance.md" "$@"
