#!/usr/bin/env bash
# Publishes rawexitsnoop and rawbpf as Native AOT single files: into artifacts/bin/ for x86-64 (the default),
# into artifacts/bin/linux-arm64/ with --arch arm64 (cross-built here: clang links against Debian's arm64 cross
# glibc; the SDK fetches the arm64 ILCompiler package itself).
# --if-missing: do nothing when both binaries are already there (the README's first command).
# Installs, on Debian, what building needs and is missing: clang (BPF objects, AOT linker), libbpf-dev
# (the BPF-side headers bpf_helpers.h and bpf_core_read.h only; nothing links libbpf), and for arm64
# gcc-aarch64-linux-gnu and libc6-dev-arm64-cross (the C runtime objects and glibc to link against).
set -euo pipefail
cd "$(dirname "$0")/../.."
if_missing=0
arch=x64
while (($#)); do
    case "$1" in
        --if-missing) if_missing=1 ;;
        --arch) arch=${2:-}; shift ;;
        *) echo "publish.sh: unknown argument $1 (usage: publish.sh [--if-missing] [--arch x64|arm64])" >&2; exit 2 ;;
    esac
    shift
done
packages=(clang llvm libbpf-dev)
case "$arch" in
    x64) output=artifacts/bin ;;
    arm64) output=artifacts/bin/linux-arm64; packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
    *) echo "publish.sh: unknown architecture $arch (x64 or arm64)" >&2; exit 2 ;;
esac
if ((if_missing)) && [[ -x $output/rawexitsnoop && -x $output/rawbpf ]]; then
    exit 0
fi
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for tool in rawexitsnoop rawbpf; do
    dotnet publish "src/Cli/$tool/$tool.csproj" -c Release -r "linux-$arch" -o "$output" --nologo -v quiet
done
# Debug symbols stay out of the binary directory the README points users at.
rm -f "$output"/*.dbg "$output"/*.pdb "$output"/*.xml
