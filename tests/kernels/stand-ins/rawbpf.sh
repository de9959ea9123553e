#!/bin/sh
# A STAND-IN for rawbpf, only for `tests/kernels/run.sh --stand-ins` (proves the guest's loadall checks and the
# test objects on each kernel before rawbpf exists): `rawbpf prog loadall OBJ DIR` through bpftool (libbpf).
if [ "$1" = --help ]; then
    echo "stand-in rawbpf prog loadall OBJECT PIN_DIR"
    exit 0
fi
if [ "$#" -ne 4 ] || [ "$1" != prog ] || [ "$2" != loadall ]; then
    echo "stand-in rawbpf: only 'prog loadall OBJECT PIN_DIR'" >&2
    exit 2
fi
exec bpftool prog loadall "$3" "$4"
