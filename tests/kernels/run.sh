#!/usr/bin/env bash
# The kernel matrix: boots Debian's cloud kernels 5.10 (bullseye), 6.1 (bookworm) and 6.12 (trixie) for x86-64
# under qemu-system-x86_64, and Debian's arm64 cloud kernels 6.1 and 6.12 under qemu-system-aarch64 -M virt
# (TCG: KVM is not usable here, and arm64 is emulated anyway), each with an initramfs holding busybox, the
# published Native AOT tools of that architecture (artifacts/bin/{rawexitsnoop,rawbpf}, for arm64
# artifacts/bin/linux-arm64/), the CO-RE test objects (BPF objects are the same for both) and the static
# process helpers, and runs tests/kernels/guest-checks.sh inside each. Prints one line per kernel:
#   PASS <uname -r>              (x86-64)
#   PASS <uname -r> aarch64      (arm64)
#   FAIL <uname -r>[ aarch64]: <failed checks and output tail> (log: <file>)
# and exits non-zero if any kernel failed.
#
# Usage: tests/kernels/run.sh [--smoke | --stand-ins] [--arch x86_64|aarch64|all] [--kernels "5.10 6.1 6.12"]
#                             [--arm64-kernels "6.1 6.12"] [--timeout SECONDS] [--refresh] [--conformance]
#   --smoke     prove the boot pipeline only: uname -r, BTF present, bpf(BPF_MAP_CREATE) from a static C
#               program, tracefs and bpffs mountable; needs none of the RawBpf binaries
#   --stand-ins run the full checks against libbpf/bpftool stand-ins (tests/kernels/stand-ins/) instead of
#               artifacts/bin: proves the checks and the BPF objects on each kernel, not RawBpf
#   --arch      which architectures to boot (default: all; --stand-ins: x86_64 only, the stand-ins link the
#               host's static libbpf)
#   --kernels   which x86-64 kernel series to boot (default: all three), sequentially (2 cores: TCG is CPU-bound)
#   --arm64-kernels  which arm64 kernel series (default: 6.1 6.12)
#   --timeout   per boot, default 240 s (a full x86-64 boot with the conformance comparison takes about 75 s)
#   --refresh   look the newest kernel packages up again and re-download them
#   --conformance  the x86-64 guests must compare the conformance subset with libbpf: fail when its objects
#               (compiled by tests/conformance/run.sh) are missing; without it they are compared when present
#
# Kernels are cached (extracted) in artifacts/kernels/<series>/ and artifacts/kernels/aarch64-<series>/
# (gitignored), the arm64 busybox and setpriv in artifacts/kernels/aarch64-userland/, the full serial log of
# each boot in artifacts/kernels/[aarch64-]<series>.log. The Debian mirror is read from this machine's apt configuration at run
# time; apt runs with a private sources list and state folder (artifacts/kernels/apt/), never the system's.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
here=$repo/tests/kernels
cache=$repo/artifacts/kernels

# series -> Debian suite and the package name pattern (an extended regex over package names); arm64 kernels
# are keyed aarch64-<series>.
declare -A suite_of=([5.10]=bullseye [6.1]=bookworm [6.12]=trixie [aarch64-6.1]=bookworm [aarch64-6.12]=trixie)
declare -A package_pattern_of=(
    [5.10]='^linux-image-5\.10\.0-[0-9]+-cloud-amd64-unsigned$'
    [6.1]='^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$'
    [6.12]='^linux-image-6\.12\.[0-9]+\+deb13-cloud-amd64-unsigned$'
    [aarch64-6.1]='^linux-image-6\.1\.0-[0-9]+-cloud-arm64-unsigned$'
    [aarch64-6.12]='^linux-image-6\.12\.[0-9]+\+deb13-cloud-arm64-unsigned$'
)

mode=full
stand_ins=0
arches=all
kernels="5.10 6.1 6.12"
arm64_kernels="6.1 6.12"
boot_timeout=240
refresh=0
require_conformance=0
while (($#)); do
    case "$1" in
        --smoke) mode=smoke ;;
        --stand-ins) stand_ins=1 ;;
        --arch) arches=$2; shift ;;
        --kernels) kernels=$2; shift ;;
        --arm64-kernels) arm64_kernels=$2; shift ;;
        --timeout) boot_timeout=$2; shift ;;
        --refresh) refresh=1 ;;
        --conformance) require_conformance=1 ;;
        -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
case "$arches" in
    all) ((stand_ins)) && arches=x86_64 || arches="x86_64 aarch64" ;;
    x86_64|aarch64) ;;
    *) echo "run.sh: unknown architecture $arches (x86_64, aarch64 or all)" >&2; exit 2 ;;
esac
if ((stand_ins)) && [[ "$arches" == *aarch64* ]]; then
    echo "run.sh: --stand-ins boots x86-64 kernels only" >&2; exit 2
fi
[[ "$arches" == *x86_64* ]] || kernels=""
[[ "$arches" == *aarch64* ]] || arm64_kernels=""
# The cache keys of every kernel to boot, in boot order.
boots=""
for series in $kernels; do boots="$boots $series"; done
for series in $arm64_kernels; do boots="$boots aarch64-$series"; done
for key in $boots; do
    [[ -n "${suite_of[$key]:-}" ]] || { echo "run.sh: unknown kernel series $key (known: ${!suite_of[*]})" >&2; exit 2; }
done

log() { echo "run.sh: $*" >&2; }

# --- 1. host tools ------------------------------------------------------------------------------------------
install_missing() {
    local missing=() package
    # llvm: llvm-objdump lists the programs each test object should pin.
    # kmod, xz-utils: the modules the guests load (modinfo lists what each depends on; trixie's are .ko.xz).
    # bpftool: libbpf as the oracle inside the x86-64 guests.
    local packages=(qemu-system-x86 busybox-static cpio gcc llvm kmod xz-utils bpftool)
    # arm64: the emulator, and the cross compiler and glibc for the static helpers and the tools' libraries.
    [[ -n "$arm64_kernels" ]] && packages+=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
    # The stand-ins: libbpf, libelf and zlib linked statically.
    ((stand_ins)) && packages+=(libbpf-dev libelf-dev zlib1g-dev)
    for package in "${packages[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# --- 2. kernels ----------------------------------------------------------------------------------------------
# The machine's own Debian mirror (the first non-security URI), from deb822 sources or the one-line format.
debian_mirror() {
    local uri=""
    if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
        uri=$(awk '/^URIs:/{for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' /etc/apt/sources.list.d/*.sources)
    fi
    if [[ -z "$uri" ]]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {if ($i !~ /security/) {print $i; exit} else break}}')
    fi
    [[ -n "$uri" ]] || { log "no Debian mirror found in /etc/apt"; exit 1; }
    echo "${uri%/}"
}

private_apt=$cache/apt
apt_options=(
    -o "Dir::Etc::sourcelist=$private_apt/sources.list"
    -o "Dir::Etc::sourceparts=$private_apt/sources.list.d"
    -o "Dir::Etc::preferences=$private_apt/preferences"
    -o "Dir::Etc::preferencesparts=$private_apt/preferences.d"
    -o "Dir::State::Lists=$private_apt/lists"
    -o "Dir::Cache=$private_apt/cache"
    -o "APT::Sandbox::User=root"
    # arm64 kernels and userland (busybox, setpriv) come from the same suites.
    -o "APT::Architectures::=arm64"
)
private_apt_ready=0
prepare_private_apt() {
    ((private_apt_ready)) && return
    local mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg suite
    mirror=$(debian_mirror)
    mkdir -p "$private_apt/lists/partial" "$private_apt/cache/archives/partial" "$private_apt/sources.list.d" "$private_apt/preferences.d"
    : > "$private_apt/sources.list"
    for suite in bullseye bookworm trixie; do
        echo "deb [signed-by=$keyring] $mirror $suite main" >> "$private_apt/sources.list"
    done
    log "apt-get update (private configuration, mirror from /etc/apt)"
    apt-get "${apt_options[@]}" update -qq >/dev/null
    private_apt_ready=1
}

# The modules the guests load for the module-BTF checks (kfuncs and fentry targets in a module's BTF), with
# whatever they depend on.
guest_modules=(nf_conntrack)

# Fills $cache/<series>/ (<series> a key of suite_of) with vmlinuz, config and release (the kernel's uname -r),
# and modules/ with $guest_modules and their dependencies (uncompressed) and load-order, unless already there.
fetch_kernel() {
    local series=$1 dir=$cache/$1
    if ((!refresh)) && [[ -s "$dir/vmlinuz" && -s "$dir/release" && -s "$dir/modules/load-order" ]]; then
        return
    fi
    prepare_private_apt
    local package
    package=$(apt-cache "${apt_options[@]}" pkgnames linux-image- | grep -E "${package_pattern_of[$series]}" | sort -V | tail -n 1 || true)
    [[ -n "$package" ]] || { log "no package matching ${package_pattern_of[$series]} in ${suite_of[$series]}"; exit 1; }
    log "downloading $package"
    local work
    work=$(mktemp -d "$cache/download.XXXXXX")
    (cd "$work" && apt-get "${apt_options[@]}" download -qq "$package" >/dev/null)
    dpkg -x "$work"/*.deb "$work/x"
    local vmlinuz
    vmlinuz=$(ls "$work"/x/boot/vmlinuz-*)
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$vmlinuz" "$dir/vmlinuz"
    cp "$work"/x/boot/config-* "$dir/config"
    echo "${vmlinuz##*/vmlinuz-}" > "$dir/release"
    echo "$package" > "$dir/package"
    mkdir -p "$dir/modules"
    local module tree=$work/x/lib/modules/$(cat "$dir/release")/kernel
    # trixie's packages are merged-/usr.
    [[ -d "$tree" ]] || tree=$work/x/usr/lib/modules/$(cat "$dir/release")/kernel
    for module in "${guest_modules[@]}"; do
        copy_module_with_dependencies "$module" "$tree" "$dir/modules"
    done
    rm -rf "$work"
}

# copy_module_with_dependencies NAME TREE DIR: NAME's .ko (xz-compressed ones decompressed: busybox insmod
# cannot) into DIR, after those it depends on (modinfo's depends=); appends each name to DIR/load-order once.
copy_module_with_dependencies() {
    local name=$1 tree=$2 dir=$3 file dependency
    grep -qx "$name" "$dir/load-order" 2>/dev/null && return
    # Module names say _ where file names may say -.
    file=$(find "$tree" -name "$name.ko*" -o -name "${name//_/-}.ko*" | head -n 1)
    [[ -n "$file" ]] || { log "module $name is not in $tree"; exit 1; }
    case "$file" in
        *.ko.xz) xz -dc "$file" > "$dir/$name.ko" ;;
        *.ko) cp "$file" "$dir/$name.ko" ;;
        *) log "module $file: unknown compression"; exit 1 ;;
    esac
    for dependency in $(modinfo -F depends "$dir/$name.ko" | tr ',' ' '); do
        copy_module_with_dependencies "$dependency" "$tree" "$dir"
    done
    echo "$name" >> "$dir/load-order"
}

# Fills $cache/aarch64-userland/ with bookworm's static arm64 busybox and util-linux's setpriv (with
# libcap-ng, its one library beyond glibc) unless already there: what the x86-64 guest copies from this machine.
fetch_arm64_userland() {
    local dir=$cache/aarch64-userland
    if ((!refresh)) && [[ -x "$dir/busybox" && -x "$dir/setpriv" ]]; then
        return
    fi
    prepare_private_apt
    local work
    work=$(mktemp -d "$cache/download.XXXXXX")
    log "downloading busybox-static, util-linux and libcap-ng0 for arm64"
    (cd "$work" && apt-get "${apt_options[@]}" download -qq busybox-static:arm64/bookworm util-linux:arm64/bookworm \
        libcap-ng0:arm64/bookworm >/dev/null)
    local deb
    for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/x"; done
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$work/x/bin/busybox" "$work/x/usr/bin/setpriv" "$dir/"
    cp -L "$work/x/lib/aarch64-linux-gnu/libcap-ng.so.0" "$dir/"
    rm -rf "$work"
}

# --- 3. initramfs --------------------------------------------------------------------------------------------
copy_with_libraries() {
    local binary=$1 destination=$2 root=$3 library
    if [[ "$arch" == aarch64 ]]; then
        copy_arm64_with_libraries "$@"
        return
    fi
    mkdir -p "$root$destination"
    cp "$binary" "$root$destination/"
    for library in $(ldd "$binary" | awk '/=>/ {print $3} !/=>/ && $1 ~ /^\// {print $1}') /lib64/ld-linux-x86-64.so.2; do
        [[ -e "$root$library" ]] || cp -L --parents "$library" "$root"
    done
}

# The arm64 variant: ldd cannot run an arm64 binary, so the libraries it names (DT_NEEDED) come from Debian's
# arm64 cross glibc (or, for setpriv's libcap-ng, the downloaded userland) into /lib/aarch64-linux-gnu, where
# the arm64 ld.so looks, and the interpreter to /lib/ld-linux-aarch64.so.1, the path the binaries name.
copy_arm64_with_libraries() {
    local binary=$1 destination=$2 root=$3 library source
    mkdir -p "$root$destination" "$root/lib/aarch64-linux-gnu"
    cp "$binary" "$root$destination/"
    for library in $(aarch64-linux-gnu-readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p') libc.so.6 ld-linux-aarch64.so.1; do
        source=/usr/aarch64-linux-gnu/lib/$library
        [[ -e "$source" ]] || source=$cache/aarch64-userland/$library
        [[ -e "$root/lib/aarch64-linux-gnu/$library" ]] || cp -L "$source" "$root/lib/aarch64-linux-gnu/$library"
    done
    cp -L /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 "$root/lib/ld-linux-aarch64.so.1"
}

# Names of the programs in a BPF object (global functions outside .text): what `prog loadall` pins, as
# bpftool does. llvm-objdump -t: "<addr> <7 flag columns> <section>\t<size> <name>", flags g...F = global function.
program_names() {
    llvm-objdump -t "$1" | awk -F'\t' 'substr($1, 18, 1) == "g" && substr($1, 24, 1) == "F" && substr($1, 26) != ".text" {
        split($2, size_and_name, " "); print size_and_name[2] }'
}

# Offsets of an object's .bss globals, "name hexoffset" per line: where the attach checks read counters in the
# pinned .bss map (llvm-objdump -t: "<addr> <flags> .bss\t<size> <name>").
bss_offsets() {
    llvm-objdump -t "$1" | awk -F'\t' '$1 ~ / \.bss$/ { split($2, size_and_name, " "); print size_and_name[2], substr($1, 1, 16) }'
}

# build_initramfs ROOT OUTPUT: for $arch, with the configs of the kernels in $arch_boots.
build_initramfs() {
    local root=$1 output=$2 applet series cc=gcc busybox=/bin/busybox tools=$repo/artifacts/bin
    if [[ "$arch" == aarch64 ]]; then
        cc=aarch64-linux-gnu-gcc busybox=$cache/aarch64-userland/busybox tools=$repo/artifacts/bin/linux-arm64
    fi
    mkdir -p "$root"/{bin,dev,proc,sys,tmp,boot,etc,opt/rawbpf/procs,opt/rawbpf/expected}
    cp "$busybox" "$root/bin/busybox"
    # The applet list of the host's busybox (an arm64 one cannot run here); both are Debian's build.
    for applet in $(/bin/busybox --list); do
        [[ "$applet" == busybox ]] || ln -sf busybox "$root/bin/$applet"
    done
    cp "$here/guest-init.sh" "$root/init"
    cp "$here/guest-checks.sh" "$root/opt/rawbpf/checks.sh"
    chmod +x "$root/init" "$root/opt/rawbpf/checks.sh"
    echo "$mode" > "$root/opt/rawbpf/mode"
    "$cc" -static -O2 -Wall -Werror -o "$root/bin/bpf_probe" "$here/bpf_probe.c"
    # .kconfig externs are resolved from /boot/config-$(uname -r), as on a real system.
    for series in $arch_boots; do
        cp "$cache/$series/config" "$root/boot/config-$(cat "$cache/$series/release")"
        mkdir -p "$root/lib/modules/$(cat "$cache/$series/release")"
        cp "$cache/$series"/modules/* "$root/lib/modules/$(cat "$cache/$series/release")/"
    done
    if [[ "$mode" == full ]]; then
        local source object
        for source in "$repo"/tests/procs/*.c; do
            "$cc" -static -pthread -O2 -Wall -Werror -o "$root/opt/rawbpf/procs/$(basename "$source" .c)" "$source"
        done
        # The attach checks: the uprobe target (copied to /tmp, where the uprobe sections point, once /tmp is
        # mounted) and the reader of pinned counters.
        "$cc" -static -O2 -Wall -Werror -o "$root/opt/rawbpf/procs/rawbpf_uprobe_target" "$repo/tests/bpf/attach/uprobe_target.c"
        "$cc" -static -O2 -Wall -Werror -o "$root/bin/pinned_u64" "$here/pinned_u64.c"
        # The repository's layout, so the tools find their objects the way they do in a checkout.
        if ((stand_ins)); then
            mkdir -p "$root/opt/rawbpf/artifacts/bin"
            gcc -static -O2 -Wall -Werror -o "$root/opt/rawbpf/artifacts/bin/rawexitsnoop" \
                "$here/stand-ins/rawexitsnoop.c" -lbpf -lelf -lz
            cp "$here/stand-ins/rawbpf.sh" "$root/opt/rawbpf/artifacts/bin/rawbpf"
            copy_with_libraries "$(command -v bpftool)" /bin "$root"
        else
            copy_with_libraries "$tools/rawexitsnoop" /opt/rawbpf/artifacts/bin "$root"
            copy_with_libraries "$tools/rawbpf" /opt/rawbpf/artifacts/bin "$root"
            # libbpf, the oracle for the module-BTF check's translated code (this machine's bpftool is x86-64).
            [[ "$arch" == aarch64 ]] || copy_with_libraries "$(command -v bpftool)" /bin "$root"
            [[ "$arch" == aarch64 ]] || copy_conformance_objects "$root/opt/rawbpf/conformance"
        fi
        # util-linux setpriv, for the run as a user with only CAP_BPF + CAP_PERFMON (busybox's cannot change ids).
        if [[ "$arch" == aarch64 ]]; then
            copy_with_libraries "$cache/aarch64-userland/setpriv" /usr/bin "$root"
        else
            copy_with_libraries "$(command -v setpriv)" /usr/bin "$root"
        fi
        mkdir -p "$root/opt/rawbpf/artifacts/bpf/tests"
        cp "$repo"/artifacts/bpf/*.o "$root/opt/rawbpf/artifacts/bpf/" 2>/dev/null || true
        for object in "$repo"/artifacts/bpf/tests/*.bpf.o; do
            cp "$object" "$root/opt/rawbpf/artifacts/bpf/tests/"
            program_names "$object" > "$root/opt/rawbpf/expected/$(basename "$object").programs"
            bss_offsets "$object" > "$root/opt/rawbpf/expected/$(basename "$object").bss"
        done
        # The register-reading programs as built for arm64 (bpf/bpf.proj) replace their x86-64 builds there.
        if [[ "$arch" == aarch64 ]]; then
            for object in "$repo"/artifacts/bpf-arm64/tests/*.bpf.o; do
                cp "$object" "$root/opt/rawbpf/artifacts/bpf/tests/"
                program_names "$object" > "$root/opt/rawbpf/expected/$(basename "$object").programs"
                bss_offsets "$object" > "$root/opt/rawbpf/expected/$(basename "$object").bss"
            done
        fi
    fi
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$output"
}

# The CI subset of the conformance corpus as tests/conformance/run.sh last compiled it (cache/<stem>.<hash>.o,
# the newest of each), as DIR/<stem>.o: what the x86-64 guests compare with libbpf.
copy_conformance_objects() {
    local dir=$1 source stem object missing=()
    mkdir -p "$dir"
    while read -r source _; do
        [[ "$source" == *.c ]] || continue
        stem=${source%.c}
        object=$(ls -t "$repo/artifacts/conformance/cache/$stem".*.o 2>/dev/null | head -n 1 || true)
        if [[ -n "$object" ]]; then cp "$object" "$dir/$stem.o"; else missing+=("$stem"); fi
    done < "$repo/tests/conformance/subset.txt"
    if ((${#missing[@]})); then
        ((require_conformance)) && { log "conformance objects missing (run tests/conformance/run.sh first): ${missing[*]}"; exit 1; }
        log "conformance objects missing, the guests compare the others: ${missing[*]}"
    fi
}

# --- 4. boot -------------------------------------------------------------------------------------------------
# The last lines of a serial log on one line, without terminal escapes.
printable_tail() {
    sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$1" | tr -cd '[:print:]\n' | grep -v '^ *$' | tail -n 8 | tr '\n' '|' | cut -c1-600
}

# Boots one kernel; prints its PASS/FAIL line; returns 1 on FAIL.
# A guest whose kernel locks up (soft lockup, RCU stall: seen once in 5.10 under TCG, both vCPUs spinning in the
# kernel) is booted once more; its line then says so and names the first log, which is kept.
boot_kernel() {
    local series=$1 initrd=$2 first_log=${3:-} release log_file=$cache/$1.log started elapsed_ms verdict status=0 suffix=""
    release=$(cat "$cache/$series/release")
    local machine=(qemu-system-x86_64 -accel tcg -cpu max) console=ttyS0
    if [[ "$arch" == aarch64 ]]; then
        # pauth-impdef: TCG emulates pointer authentication with QEMU's own cheap algorithm instead of QARMA
        # (the guest cannot tell); boots take about 7 s instead of 30.
        machine=(qemu-system-aarch64 -M virt -accel tcg -cpu max,pauth-impdef=on) console=ttyAMA0 suffix=" aarch64"
    fi
    started=$(date +%s%N)
    timeout --foreground -k 5 "$boot_timeout" "${machine[@]}" -m 1024 -smp 2 \
        -kernel "$cache/$series/vmlinuz" -initrd "$initrd" \
        -append "console=$console quiet panic=-1" -nographic -no-reboot -monitor none -nic none \
        < /dev/null > "$log_file" 2>&1 || status=$?
    elapsed_ms=$((($(date +%s%N) - started) / 1000000))
    printf 'run.sh: %s%s: boot and checks took %d.%01d s\n' "$release" "$suffix" $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100)) >&2
    verdict=$(tr -d '\r' < "$log_file" | grep -a '^RAWBPF-VERDICT ' | tail -n 1 || true)
    case "$verdict" in
        "RAWBPF-VERDICT PASS "*)
            echo "PASS ${verdict#RAWBPF-VERDICT PASS }$suffix${first_log:+ (second boot: the first locked up in the guest kernel; log: $first_log)}"
            return 0 ;;
        "RAWBPF-VERDICT FAIL "*)
            verdict=${verdict#RAWBPF-VERDICT FAIL }
            [[ -n "$suffix" ]] && verdict="${verdict/#$release/$release$suffix}"
            echo "FAIL $verdict (log: $log_file)"
            return 1 ;;
    esac
    if [[ -z "$first_log" ]] && grep -aqE 'soft lockup|self-detected stall' "$log_file"; then
        mv "$log_file" "$cache/$series.lockup.log"
        log "$release$suffix: the guest kernel locked up ($(grep -aom1 'soft lockup - CPU#[0-9]* stuck for [0-9]*s! \[[^]]*\]' "$cache/$series.lockup.log")); booting again"
        boot_kernel "$series" "$initrd" "$cache/$series.lockup.log"
        return
    fi
    local reason="no verdict"
    ((status == 124)) && reason="no verdict within ${boot_timeout} s"
    ((status != 0 && status != 124)) && reason="no verdict (qemu exit status $status)"
    echo "FAIL $release$suffix: $reason; serial tail: $(printable_tail "$log_file") (log: $log_file)"
    return 1
}

install_missing
if [[ "$mode" == full ]] && ((!stand_ins)); then
    for tool_dir in ${kernels:+artifacts/bin} ${arm64_kernels:+artifacts/bin/linux-arm64}; do
        for tool in rawexitsnoop rawbpf; do
            if [[ ! -x "$tool_dir/$tool" ]]; then
                echo "FAIL: $tool_dir/$tool missing; run src/Cli/publish.sh${tool_dir#artifacts/bin}"
                exit 1
            fi
        done
    done
fi
if [[ "$mode" == full ]]; then
    if ! compgen -G 'artifacts/bpf/tests/*.bpf.o' >/dev/null || [[ ! -s artifacts/bpf/exitsnoop.bpf.o ]]; then
        echo "FAIL: artifacts/bpf/exitsnoop.bpf.o or artifacts/bpf/tests/*.bpf.o missing; run dotnet build tests/Elf.Tests"
        exit 1
    fi
fi
mkdir -p "$cache"
for key in $boots; do
    fetch_kernel "$key"
done
[[ -n "$arm64_kernels" ]] && fetch_arm64_userland

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
failed=0
for arch in $arches; do
    arch_boots=""
    if [[ "$arch" == aarch64 ]]; then
        for series in $arm64_kernels; do arch_boots="$arch_boots aarch64-$series"; done
        initrd=$cache/initrd-aarch64-$mode.gz
    else
        arch_boots=$kernels
        initrd=$cache/initrd-$mode.gz
        ((stand_ins)) && initrd=$cache/initrd-stand-ins.gz
    fi
    [[ -n "$arch_boots" ]] || continue
    rm -rf "$staging/root"
    build_initramfs "$staging/root" "$initrd"
    for key in $arch_boots; do
        boot_kernel "$key" "$initrd" || failed=1
    done
done
exit "$failed"
