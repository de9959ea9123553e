#!/usr/bin/env bash
# Publishes rawexitsnoop and rawbpf as Native AOT single files into artifacts/bin/.
# --if-missing: do nothing when both binaries are already there (the README's first command).
# Installs, on Debian, what building needs and is missing: clang (BPF objects, AOT linker), libbpf-dev
# (the BPF-side headers bpf_helpers.h and bpf_core_read.h only; nothing links libbpf).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${1:-}" == "--if-missing" && -x artifacts/bin/rawexitsnoop && -x artifacts/bin/rawbpf ]]; then
    exit 0
fi
missing=()
for package in clang llvm libbpf-dev; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for tool in rawexitsnoop rawbpf; do
    dotnet publish "src/Cli/$tool/$tool.csproj" -c Release -r linux-x64 -o artifacts/bin --nologo -v quiet
done
# Debug symbols stay out of the binary directory the README points users at.
rm -f artifacts/bin/*.dbg artifacts/bin/*.pdb artifacts/bin/*.xml
