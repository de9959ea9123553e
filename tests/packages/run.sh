#!/usr/bin/env bash
# The packages as a user gets them (issue 16): packs every package into the local folder feed artifacts/packages,
# checks their contents, then builds and runs, as root, two projects that take RawBpf from that feed alone:
# tests/packages/Consumer (PackageReference only, its own NuGet.config) and an app made by `dotnet new rawbpf-app`
# from the template package. Each must load, attach and read 5 events. RawBpf packages are removed from the
# private packages folder first, so a stale cache cannot stand in for a broken package.
# Prints `PASS packages: ...` or `FAIL packages: <why>` and exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$SECONDS
feed=$root/artifacts/packages
cache=$root/artifacts/packages-test/cache
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL packages: $*"
    exit 1
}
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

version=$(dotnet msbuild src/Loader/RawBpf.Loader.csproj -getProperty:Version -nologo 2>/dev/null | tr -d '[:space:]')
[[ -n $version ]] || fail "no Version from Directory.Build.props"
rm -f "$feed"/*.nupkg "$feed"/*.snupkg
dotnet pack RawBpf.sln -c Release --nologo -v quiet >"$work/pack.log" 2>&1 \
    || fail "dotnet pack: $(grep -m1 -E 'error|warning' "$work/pack.log")"

# Each library package: its dll and XML docs for net10.0, the README, the license expression, the repository and
# commit, and a symbol package whose PDB maps the sources to that commit (SourceLink).
python3 - "$feed" "$version" "$(git rev-parse HEAD)" >"$work/check.txt" <<'PY' || fail "$(cat "$work/check.txt")"
import os, re, sys, zipfile
feed, version, commit = sys.argv[1:]
found = sorted(f for f in os.listdir(feed) if f.endswith(".nupkg"))
suffix = f".{version}.nupkg"
if any(not f.endswith(suffix) for f in found):
    sys.exit(f"the feed has {found}, not all of version {version}")
libraries = [f[:-len(suffix)] for f in found if f != f"RawBpf.Templates{suffix}"]
for needed in ("RawBpf.BtfCore", "RawBpf.Elf", "RawBpf.Loader", "RawBpf.Skeleton", "RawBpf.Generator", "RawBpf.Templates"):
    if f"{needed}{suffix}" not in found:
        sys.exit(f"the feed has {found}, without {needed}")
for package in libraries:
    with zipfile.ZipFile(f"{feed}/{package}.{version}.nupkg") as nupkg:
        names = set(nupkg.namelist())
        # A source generator is a compiler analyzer with the targets that feed it, not a library to reference.
        analyzer = f"analyzers/dotnet/cs/{package}.dll" in names
        expected = ([f"buildTransitive/{package}.targets"] if analyzer
                    else [f"lib/net10.0/{package}.dll", f"lib/net10.0/{package}.xml"]) + ["README.md"]
        for name in expected:
            if name not in names:
                sys.exit(f"{package}: no {name} in the package")
        nuspec = nupkg.read(f"{package}.nuspec").decode()
        for needed in ('<license type="expression">MIT</license>', "<readme>README.md</readme>",
                       'url="https://github.com/rawbpf/rawbpf"', f'commit="{commit}"', "<description>"):
            if needed not in nuspec:
                sys.exit(f"{package}: the nuspec lacks {needed}")
    if analyzer:
        continue
    symbols = f"{feed}/{package}.{version}.snupkg"
    if not os.path.exists(symbols):
        sys.exit(f"{package}: no symbol package")
    with zipfile.ZipFile(symbols) as snupkg:
        pdb = snupkg.read(f"lib/net10.0/{package}.pdb")
        if f"https://raw.githubusercontent.com/rawbpf/rawbpf/{commit}/".encode() not in pdb:
            sys.exit(f"{package}: the PDB has no SourceLink to the commit")
with zipfile.ZipFile(f"{feed}/RawBpf.Templates.{version}.nupkg") as nupkg:
    if "content/rawbpf-app/.template.config/template.json" not in nupkg.namelist():
        sys.exit("RawBpf.Templates: no rawbpf-app template.json")
    app = nupkg.read("content/rawbpf-app/RawBpfApp.csproj").decode()
    for needed in ("RawBpf.Loader", "RawBpf.Generator"):
        if f'Include="{needed}" Version="{version}"' not in app:
            sys.exit(f"RawBpf.Templates: rawbpf-app does not reference {needed} {version}")
print(f"{len(found)} packages ({', '.join(f[:-len(suffix)] for f in found)})")
PY
rm -rf "$cache"/rawbpf.*

# The consumer: PackageReference only, restored through its own NuGet.config into the private cache.
consumer=$root/artifacts/packages-test/consumer
dotnet build tests/packages/Consumer/Consumer.csproj -c Release --nologo -v quiet -p:RawBpfVersion="$version" \
    -o "$consumer" >"$work/consumer.log" 2>&1 || fail "Consumer build: $(grep -m1 -E 'error' "$work/consumer.log")"
grep -q "<ProjectReference" tests/packages/Consumer/Consumer.csproj && fail "Consumer has a ProjectReference"
[[ -f $cache/rawbpf.loader/$version/rawbpf.loader.$version.nupkg ]] || fail "Consumer did not restore RawBpf.Loader from the feed"
timeout 30 "$consumer/Consumer" >"$work/consumer.out" 2>&1 || fail "Consumer: $(tail -1 "$work/consumer.out")"
grep -qx "5 of 5 events" "$work/consumer.out" || fail "Consumer: $(tail -1 "$work/consumer.out")"

# The template: installed from the feed into a private CLI home, instantiated outside the repository (so nothing
# of the repository's build applies), built against the feed and run until it has printed 5 exec events.
DOTNET_CLI_HOME=$work/home dotnet new install "$feed/RawBpf.Templates.$version.nupkg" >"$work/new.log" 2>&1 \
    || fail "dotnet new install: $(grep -m1 -i error "$work/new.log")"
DOTNET_CLI_HOME=$work/home dotnet new rawbpf-app -o "$work/ExecWatch" >>"$work/new.log" 2>&1 \
    || fail "dotnet new rawbpf-app: $(tail -1 "$work/new.log")"
cat >"$work/NuGet.config" <<XML
<configuration>
  <config><add key="globalPackagesFolder" value="$cache" /></config>
  <packageSources><add key="rawbpf-local" value="$feed" /></packageSources>
</configuration>
XML
dotnet build "$work/ExecWatch/ExecWatch.csproj" -c Release --nologo -v quiet -o "$work/app" >"$work/app.log" 2>&1 \
    || fail "rawbpf-app build: $(grep -m1 -E 'error|warning' "$work/app.log")"
grep -q "warning" "$work/app.log" && fail "rawbpf-app build: $(grep -m1 warning "$work/app.log")"
"$work/app/ExecWatch" 5 >"$work/app.out" 2>&1 &
app=$!
for _ in $(seq 100); do
    kill -0 "$app" 2>/dev/null || break
    /bin/true
    sleep 0.1
done
kill "$app" 2>/dev/null
wait "$app" || fail "rawbpf-app exited $?: $(tail -1 "$work/app.out")"
lines=$(grep -cE '^[0-9]+ +[^ ]' "$work/app.out")
[[ $lines == 5 ]] || fail "rawbpf-app printed $lines events, expected 5: $(head -c 300 "$work/app.out")"

echo "PASS packages: $(cat "$work/check.txt") checked; Consumer and a rawbpf-app from the template read 5 events each from the local feed ($((SECONDS - started)) s)"
