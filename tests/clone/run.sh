#!/usr/bin/env bash
# Builds a fresh clone of this repository's HEAD at <tmp>/src/RawBpf: the build must not depend on where the
# repository lies (an absolute path with a folder named src once turned every test project AOT-checked).
# Prints `PASS clone under src/` or `FAIL clone under src/: <why>` and exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clone=$work/src/RawBpf
mkdir -p "$work/src"
if ! git clone -q --no-hardlinks . "$clone" 2>"$work/clone.err"; then
    echo "FAIL clone under src/: git clone: $(tail -1 "$work/clone.err")"
    exit 1
fi
# Each project decides from its path relative to the root: only src/ libraries are AOT-checked (not the tools, not
# the template package, not the source generator, which runs inside the compiler).
for project in $(cd "$clone" && git ls-files '*.csproj'); do
    # The template's app and the packages' consumer stand for a user's projects: they decide for themselves.
    [[ $project == src/Templates/content/* || $project == tests/packages/* ]] && continue
    expected=false
    [[ $project == src/* && $project != src/Cli/* && $project != src/Templates/* && $project != src/Generator/* ]] && expected=true
    actual=$(cd "$clone" && dotnet msbuild "$project" -getProperty:IsAotCompatible -nologo 2>/dev/null | tr -d '[:space:]')
    [[ ${actual:-false} == "$expected" ]] || { echo "FAIL clone under src/: $project has IsAotCompatible='$actual', expected $expected"; exit 1; }
done
if ! (cd "$clone" && dotnet build RawBpf.sln -c Release --nologo -v quiet) >"$work/build.log" 2>&1; then
    echo "FAIL clone under src/: dotnet build: $(grep -m1 -E 'error' "$work/build.log")"
    exit 1
fi
echo "PASS clone under src/"
