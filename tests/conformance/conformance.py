#!/usr/bin/env python3
"""Compile the kernel's BPF selftests and compare what libbpf (bpftool) and rawbpf load from each object.

Test tooling, started by tests/conformance/run.sh. Reads the loaded programs and maps back through the bpf(2)
syscall (BPF_OBJ_GET, BPF_OBJ_GET_INFO_BY_FD, BPF_MAP_LOOKUP_ELEM; field names as in linux/bpf.h) and the
translated code through `bpftool prog dump xlated`.
"""
import argparse
import concurrent.futures
import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

LOAD_TIMEOUT = 120  # seconds; a loader that takes longer counts as hung
BPF_MAP_LOOKUP_ELEM, BPF_MAP_GET_NEXT_KEY, BPF_OBJ_GET = 1, 4, 7
BPF_PROG_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD = 13, 14, 15
SYS_BPF = 321  # x86-64
BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PROG_ARRAY = 2, 3
BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS = 12, 13

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class ProgInfo(ctypes.Structure):
    _fields_ = [(n, t) for n, t in [
        ("type", ctypes.c_uint32), ("id", ctypes.c_uint32), ("tag", ctypes.c_uint8 * 8),
        ("jited_prog_len", ctypes.c_uint32), ("xlated_prog_len", ctypes.c_uint32),
        ("jited_prog_insns", ctypes.c_uint64), ("xlated_prog_insns", ctypes.c_uint64),
        ("load_time", ctypes.c_uint64), ("created_by_uid", ctypes.c_uint32), ("nr_map_ids", ctypes.c_uint32),
        ("map_ids", ctypes.c_uint64), ("name", ctypes.c_char * 16), ("ifindex", ctypes.c_uint32),
        ("gpl_compatible", ctypes.c_uint32), ("netns_dev", ctypes.c_uint64), ("netns_ino", ctypes.c_uint64),
        ("nr_jited_ksyms", ctypes.c_uint32), ("nr_jited_func_lens", ctypes.c_uint32),
        ("jited_ksyms", ctypes.c_uint64), ("jited_func_lens", ctypes.c_uint64), ("btf_id", ctypes.c_uint32),
        ("func_info_rec_size", ctypes.c_uint32), ("func_info", ctypes.c_uint64), ("nr_func_info", ctypes.c_uint32),
        ("nr_line_info", ctypes.c_uint32), ("line_info", ctypes.c_uint64), ("jited_line_info", ctypes.c_uint64),
        ("nr_jited_line_info", ctypes.c_uint32), ("line_info_rec_size", ctypes.c_uint32),
        ("jited_line_info_rec_size", ctypes.c_uint32), ("nr_prog_tags", ctypes.c_uint32),
        ("prog_tags", ctypes.c_uint64), ("run_time_ns", ctypes.c_uint64), ("run_cnt", ctypes.c_uint64),
        ("recursion_misses", ctypes.c_uint64), ("verified_insns", ctypes.c_uint32),
        ("attach_btf_obj_id", ctypes.c_uint32), ("attach_btf_id", ctypes.c_uint32), ("pad", ctypes.c_uint32)]]


class MapInfo(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_uint32), ("id", ctypes.c_uint32), ("key_size", ctypes.c_uint32),
        ("value_size", ctypes.c_uint32), ("max_entries", ctypes.c_uint32), ("map_flags", ctypes.c_uint32),
        ("name", ctypes.c_char * 16), ("ifindex", ctypes.c_uint32), ("btf_vmlinux_value_type_id", ctypes.c_uint32),
        ("netns_dev", ctypes.c_uint64), ("netns_ino", ctypes.c_uint64), ("btf_id", ctypes.c_uint32),
        ("btf_key_type_id", ctypes.c_uint32), ("btf_value_type_id", ctypes.c_uint32), ("pad", ctypes.c_uint32),
        ("map_extra", ctypes.c_uint64)]


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), 128)
    rc = libc.syscall(SYS_BPF, cmd, buf, 128)
    if rc < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return rc, buf


def pack(*fields):
    """An attr union from (ctype, value) fields laid out as a C struct."""
    class Attr(ctypes.Structure):
        _fields_ = [(f"f{i}", t) for i, (t, _) in enumerate(fields)]
    return Attr(*[v for _, v in fields])


def obj_get(path):
    raw = ctypes.create_string_buffer(path.encode())
    fd, _ = bpf(BPF_OBJ_GET, pack((ctypes.c_uint64, ctypes.addressof(raw)), (ctypes.c_uint32, 0)))
    return fd


def map_fd_by_id(map_id):
    fd, _ = bpf(BPF_MAP_GET_FD_BY_ID, pack((ctypes.c_uint32, map_id)))
    return fd


def info(fd, struct):
    bpf(BPF_OBJ_GET_INFO_BY_FD, pack((ctypes.c_uint32, fd), (ctypes.c_uint32, ctypes.sizeof(struct)),
                                     (ctypes.c_uint64, ctypes.addressof(struct))))
    return struct


def prog_info(fd):
    first = info(fd, ProgInfo())
    ids = (ctypes.c_uint32 * max(first.nr_map_ids, 1))()
    second = ProgInfo()
    second.nr_map_ids, second.map_ids = first.nr_map_ids, ctypes.addressof(ids)
    info(fd, second)
    return first, list(ids[:first.nr_map_ids])


def map_value(fd, size):
    key = ctypes.c_uint32(0)
    value = ctypes.create_string_buffer(size)
    bpf(BPF_MAP_LOOKUP_ELEM, pack((ctypes.c_uint32, fd), (ctypes.c_uint32, 0), (ctypes.c_uint64, ctypes.addressof(key)),
                                  (ctypes.c_uint64, ctypes.addressof(value)), (ctypes.c_uint64, 0)))
    return value.raw


def slots(fd, map_type, key_size):
    """What a prog array's or map-in-map's slots hold (a lookup gives the program's or inner map's id), by name."""
    out = {}
    key, next_key, value = (ctypes.create_string_buffer(key_size), ctypes.create_string_buffer(key_size),
                            ctypes.c_uint32(0))
    first = True
    while True:
        try:
            bpf(BPF_MAP_GET_NEXT_KEY, pack((ctypes.c_uint32, fd), (ctypes.c_uint32, 0),
                                           (ctypes.c_uint64, 0 if first else ctypes.addressof(key)),
                                           (ctypes.c_uint64, ctypes.addressof(next_key))))
        except OSError:
            return out
        first = False
        ctypes.memmove(key, next_key, key_size)
        try:
            bpf(BPF_MAP_LOOKUP_ELEM, pack((ctypes.c_uint32, fd), (ctypes.c_uint32, 0),
                                          (ctypes.c_uint64, ctypes.addressof(key)),
                                          (ctypes.c_uint64, ctypes.addressof(value)), (ctypes.c_uint64, 0)))
        except OSError:
            continue  # an empty array slot
        if map_type == BPF_MAP_TYPE_PROG_ARRAY:
            target, _ = bpf(BPF_PROG_GET_FD_BY_ID, pack((ctypes.c_uint32, value.value)))
            try:
                name = info(target, ProgInfo()).name.decode(errors="replace")
            finally:
                os.close(target)
        else:
            target = map_fd_by_id(value.value)
            try:
                name = info(target, MapInfo()).name.decode(errors="replace")
            finally:
                os.close(target)
        out[key.raw.hex()] = name


def describe_map(fd):
    m = info(fd, MapInfo())
    d = {f: getattr(m, f) for f in ("type", "key_size", "value_size", "max_entries", "map_flags",
                                    "btf_vmlinux_value_type_id", "btf_key_type_id", "btf_value_type_id", "map_extra")}
    d["name"] = m.name.decode(errors="replace")
    d["btf"] = m.btf_id != 0
    # The internal data maps (.rodata, .data, .bss, .kconfig: one-element arrays named with a dot).
    if m.type == BPF_MAP_TYPE_ARRAY and "." in d["name"] and m.max_entries == 1:
        try:
            d["contents"] = map_value(fd, m.value_size).hex()
        except OSError as e:
            d["contents"] = f"lookup failed: {e.strerror}"
    # The .values = { [i] = &x } initialisers of prog arrays and maps of maps.
    if m.type in (BPF_MAP_TYPE_PROG_ARRAY, BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS):
        d["slots"] = slots(fd, m.type, m.key_size)
    return m.id, d


def snapshot(prog_dir, map_dir):
    """What one loader left pinned: programs by pin name, maps by kernel name, code with map ids named."""
    maps_by_id = {}
    for pin in sorted(os.listdir(map_dir) if os.path.isdir(map_dir) else []):
        fd = obj_get(os.path.join(map_dir, pin))
        try:
            map_id, d = describe_map(fd)
            maps_by_id[map_id] = d
        finally:
            os.close(fd)
    progs = {}
    for pin in sorted(os.listdir(prog_dir) if os.path.isdir(prog_dir) else []):
        path = os.path.join(prog_dir, pin)
        fd = obj_get(path)
        try:
            p, map_ids = prog_info(fd)
        finally:
            os.close(fd)
        for map_id in map_ids:
            if map_id not in maps_by_id:
                mfd = map_fd_by_id(map_id)
                try:
                    maps_by_id[map_id] = describe_map(mfd)[1]
                finally:
                    os.close(mfd)
        xlated = subprocess.run(["bpftool", "prog", "dump", "xlated", "pinned", path], capture_output=True,
                                text=True, timeout=LOAD_TIMEOUT).stdout
        xlated = re.sub(r"map\[id:(\d+)\]", lambda m: f"map[{maps_by_id.get(int(m.group(1)), {}).get('name', '?')}]",
                        xlated)
        progs[pin] = {
            "type": p.type, "name": p.name.decode(errors="replace"), "gpl_compatible": p.gpl_compatible & 1,
            "attach_btf_obj_id": p.attach_btf_obj_id, "attach_btf_id": p.attach_btf_id, "btf": p.btf_id != 0,
            "nr_func_info": p.nr_func_info, "nr_line_info": p.nr_line_info,
            "func_info_rec_size": p.func_info_rec_size, "line_info_rec_size": p.line_info_rec_size,
            "maps": sorted(maps_by_id[i]["name"] for i in map_ids), "xlated": xlated}
    maps = {}
    for d in maps_by_id.values():
        key = d["name"]
        while key in maps:  # kernel names are cut at 15 characters
            key += "'"
        maps[key] = d
    return {"progs": progs, "maps": maps}


def btf_types(obj):
    """The object's BTF as bpftool prints it: id -> (kind, name, member lines)."""
    text = subprocess.run(["bpftool", "btf", "dump", "file", obj], capture_output=True, text=True).stdout
    types, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^\[(\d+)\] (\w+) '([^']*)'(.*)", line)
        if m:
            current = [m.group(2), m.group(3), [m.group(4)]]
            types[int(m.group(1))] = current
        elif current is not None:
            current[2].append(line.strip())
    return types


def pinned_by_name(types):
    """Maps declared with __uint(pinning, LIBBPF_PIN_BY_NAME): libbpf pins them at /sys/fs/bpf/<name> itself."""
    names = []
    for kind, name, lines in types.values():
        if kind != "DATASEC" or name != ".maps":
            continue
        for line in lines[1:]:
            var = types.get(int(re.match(r"type_id=(\d+)", line).group(1)))
            struct = types.get(int(re.search(r"type_id=(\d+)", var[2][0]).group(1))) if var else None
            if struct and any(ln.startswith("'pinning'") for ln in struct[2][1:]):
                names.append(var[1])
    return names


# libbpf's section_defs patterns, read from RawBpf's copy of the table (first match wins, as find_sec_def).
SECTION_PATTERNS = re.findall(r'D\("([^"]+)"', open(os.path.join(os.path.dirname(__file__), "../../src/Elf/ProgramSectionDefinitions.cs")).read())


def section_kind(name):
    """The section_defs pattern a SEC() name matches ("x" exact, "x+" exact or "x/...", "x/" prefix), or "unknown"."""
    name = name.lstrip("?")  # '?' only turns autoload off
    for pattern in SECTION_PATTERNS:
        if pattern.endswith("/") and name.startswith(pattern):
            return pattern
        if pattern.endswith("+") and (name == pattern[:-1] or name.startswith(pattern[:-1] + "/")):
            return pattern
        if name == pattern:
            return pattern
    return "unknown"


def coverage(obj, types):
    """What an object exercises: its program section kinds and its extern kinds."""
    keys = set()
    out = subprocess.run(["readelf", "-SW", obj], capture_output=True, text=True).stdout
    for m in re.finditer(r"^\s*\[\s*\d+\]\s+(\S+)\s+PROGBITS\s+\S+\s+\S+\s+\S+\s+\S+\s+(\S*X\S*)", out, re.M):
        if m.group(1) != ".text":
            keys.add("section " + section_kind(m.group(1)))
    datasec_of = {}
    for kind, name, lines in types.values():
        if kind == "DATASEC":
            for line in lines[1:]:
                datasec_of[int(re.match(r"type_id=(\d+)", line).group(1))] = name
    for type_id, (kind, name, lines) in types.items():
        if "linkage=extern" not in lines[0]:
            continue
        if kind == "FUNC":
            keys.add("extern kfunc")
        elif kind == "VAR":
            section = datasec_of.get(type_id, "no DATASEC")
            target = int(re.search(r"type_id=(\d+)", lines[0]).group(1))
            while target and types[target][0] in ("CONST", "VOLATILE", "TYPEDEF", "RESTRICT", "TYPE_TAG"):
                target = int(re.search(r"type_id=(\d+)", types[target][2][0]).group(1))
            if section == ".ksyms":
                keys.add("extern ksym " + ("typed" if target else "untyped"))
            else:
                keys.add("extern " + section)
    return keys


def make_subset(compiled, path):
    """Greedy set cover: the fewest objects (smaller first) that exercise every section kind and extern kind."""
    covers = {}
    for source, (obj, _) in compiled.items():
        if obj is not None:
            covers[source] = coverage(obj, btf_types(obj))
    uncovered = set().union(*covers.values())
    chosen = []
    while uncovered:
        best = max(covers, key=lambda s: (len(covers[s] & uncovered), -os.path.getsize(compiled[s][0])))
        chosen.append((best, sorted(covers[best] & uncovered)))
        uncovered -= covers[best]
    with open(path, "w") as f:
        f.write("# The CI subset of the conformance corpus, made by tests/conformance/run.sh --make-subset: the fewest\n"
                "# selftests (smaller first) that exercise every program section kind and extern kind in the corpus.\n")
        for source, keys in sorted(chosen):
            f.write(f"{source}  # {', '.join(keys)}\n")
    print(f"subset: {len(chosen)} objects cover {len(set().union(*covers.values()))} section and extern kinds")


def load(command, prog_dir, map_dir, pins=()):
    """Runs one loader; returns (snapshot, None) or (None, the last line it printed)."""
    for d in (prog_dir, map_dir):
        shutil.rmtree(d, ignore_errors=True)
    # Pins by name the loader makes in /sys/fs/bpf are removed again, unless they were there before.
    new_pins = [p for p in pins if not os.path.exists(p)]
    try:
        r = subprocess.run(command, capture_output=True, text=True, timeout=LOAD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "HANG"
    try:
        if r.returncode != 0:
            if r.returncode < 0:
                return None, f"CRASH signal {-r.returncode}"
            lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith(("  ", "verifier log"))]
            # libbpf says why first ("libbpf: prog 'x': BPF program load failed: ..."), then bpftool's summary.
            errors = [ln for ln in lines if "rror" in ln or "failed" in ln] or lines
            return None, (errors[0] if errors else f"exit code {r.returncode}").strip()
        return snapshot(prog_dir, map_dir), None
    finally:
        for d in (prog_dir, map_dir):
            shutil.rmtree(d, ignore_errors=True)
        for p in new_pins:
            if os.path.exists(p):
                os.unlink(p)


def differences(lib, raw):
    out = []
    for kind in ("progs", "maps"):
        a, b = lib[kind], raw[kind]
        if set(a) != set(b):
            out.append(f"{kind}: libbpf {sorted(set(a) - set(b))} rawbpf {sorted(set(b) - set(a))}")
        for name in sorted(set(a) & set(b)):
            for field in a[name]:
                if a[name][field] != b[name].get(field):
                    if field == "xlated":
                        la, lb = a[name][field].splitlines(), b[name][field].splitlines()
                        at = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
                        x = la[at].strip() if at < len(la) else "<end>"
                        y = lb[at].strip() if at < len(lb) else "<end>"
                        out.append(f"{name} xlated line {at + 1}: libbpf '{x}' rawbpf '{y}'")
                    else:
                        out.append(f"{name}.{field}: libbpf {a[name][field]} rawbpf {b[name].get(field)}")
    return out


class Compiler:
    def __init__(self, args):
        self.progs = os.path.join(args.tree, "tools/testing/selftests/bpf/progs")
        self.cache = os.path.join(args.work, "cache")
        os.makedirs(self.cache, exist_ok=True)
        self.clang = shutil.which("clang-16") or "clang"
        selftests = os.path.join(args.tree, "tools/testing/selftests/bpf")
        # As the selftests' Makefile: BPF_CFLAGS + CLANG_CFLAGS (the host's system includes after ours).
        self.flags = ["-g", "-Werror", "-D__TARGET_ARCH_x86", "-mlittle-endian", f"-I{args.include}",
                      f"-I{selftests}", f"-I{args.tree}/tools/include/uapi"]
        self.flags += [f"-idirafter{d}" for d in self.system_includes()]
        self.flags += ["-Wno-compare-distinct-pointer-types", "-DENABLE_ATOMICS_TESTS", "-O2", "--target=bpf",
                       "-mcpu=v3"]
        version = subprocess.run([self.clang, "--version"], capture_output=True, text=True).stdout
        with open(os.path.join(args.include, "vmlinux.h"), "rb") as f:
            vmlinux = hashlib.sha256(f.read()).hexdigest()
        self.salt = (" ".join(self.flags) + version + vmlinux).encode()

    def system_includes(self):
        r = subprocess.run([self.clang, "-v", "-E", "-"], input="", capture_output=True, text=True)
        lines = r.stderr.splitlines()
        start = lines.index("#include <...> search starts here:") + 1
        end = lines.index("End of search list.")
        return [ln.strip() for ln in lines[start:end]]

    def compile(self, source):
        """The object's path, or None and the first error line; cached by the source's hash."""
        path = os.path.join(self.progs, source)
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read() + self.salt).hexdigest()[:16]
        stem = source[:-2]
        obj = os.path.join(self.cache, f"{stem}.{digest}.o")
        err = os.path.join(self.cache, f"{stem}.{digest}.err")
        if os.path.exists(obj):
            return obj, None
        if not os.path.exists(err):
            r = subprocess.run([self.clang, *self.flags, "-c", path, "-o", obj + ".tmp"], capture_output=True,
                               text=True, cwd=self.progs)
            if r.returncode == 0:
                os.replace(obj + ".tmp", obj)
                return obj, None
            first = next((ln for ln in r.stderr.splitlines() if "error" in ln), r.stderr.strip()[:200])
            with open(err, "w") as f:
                f.write(first + "\n")
        with open(err) as f:
            return None, f.read().strip()


def known_differences(path):
    """Object name -> cause, from the table in docs/conformance.md whose first column is `name.bpf.o`."""
    known = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            m = re.match(r"^\|\s*`([\w.-]+\.o)`\s*\|\s*([^|]*)\|", line)
            if m:
                known[m.group(1)] = m.group(2).strip()
    return known


def main():
    parser = argparse.ArgumentParser()
    for option in ("--tree", "--include", "--work", "--rawbpf", "--subset", "--known"):
        parser.add_argument(option, required=True)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--make-subset", action="store_true")
    parser.add_argument("sources", nargs="*")
    args = parser.parse_args()
    started = time.monotonic()
    compiler = Compiler(args)
    if args.sources:
        sources = [s if s.endswith(".c") else s + ".c" for s in args.sources]
    elif args.full or args.make_subset:
        sources = sorted(f for f in os.listdir(compiler.progs) if f.endswith(".c"))
    else:
        sources = [ln.split()[0] for ln in open(args.subset) if ln.strip() and not ln.startswith("#")]
    ci = not args.full and not args.sources
    # At most two compilers at once: the machine is shared.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        compiled = dict(zip(sources, pool.map(compiler.compile, sources)))
    failed = {s: e for s, (o, e) in compiled.items() if o is None}
    for source, error in sorted(failed.items()):
        print(f"not compiled {source}: {error}")
    if args.make_subset:
        make_subset(compiled, args.subset)
        return
    known = known_differences(args.known)
    base = f"/sys/fs/bpf/conformance-{os.getpid()}"
    identical = refused = differ = loaded = unpinned = failures = 0
    for source in sources:
        obj, _ = compiled[source]
        if obj is None:
            if ci:
                failures += 1
                print(f"FAIL conformance {source}: does not compile")
            continue
        name = source[:-2] + ".o"
        pins = ["/sys/fs/bpf/" + n for n in pinned_by_name(btf_types(obj))]
        # bpftool's pinmaps refuses a map that already has a pin path: those objects show their maps through
        # the programs' map ids only.
        lib_maps = [] if pins else ["pinmaps", base + "-lib-maps"]
        raw_maps = [] if pins else ["--pinmaps", base + "-raw-maps"]
        lib, lib_error = load(["bpftool", "prog", "loadall", obj, base + "-lib", *lib_maps],
                              base + "-lib", base + "-lib-maps", pins)
        raw, raw_error = load([args.rawbpf, "prog", "loadall", obj, base + "-raw", *raw_maps],
                              base + "-raw", base + "-raw-maps", pins)
        if raw is not None and lib_error and "failed to pin all programs" in lib_error:
            # bpftool loaded the object but cannot pin the SEC("?...") programs libbpf left unloaded: nothing to
            # compare with, so the object counts neither way.
            verdict, detail = "unpinned", "bpftool cannot pin the SEC(\"?...\") programs libbpf does not load"
        elif raw_error and raw_error.startswith(("HANG", "CRASH")):
            verdict, detail = "differ", f"rawbpf {raw_error}"
        elif lib is None and raw is None:
            verdict, detail = "refused", f"libbpf: {lib_error} | rawbpf: {raw_error}"
        elif lib is None:
            verdict, detail = "differ", f"libbpf refuses ({lib_error}), rawbpf loads"
        elif raw is None:
            verdict, detail = "differ", f"rawbpf refuses: {raw_error}"
        else:
            diffs = differences(lib, raw)
            verdict = "differ" if diffs else "identical"
            detail = "; ".join(diffs[:3]) + (f" (+{len(diffs) - 3} more)" if len(diffs) > 3 else "")
        loaded += lib is not None
        unpinned += verdict == "unpinned"
        identical += verdict == "identical"
        refused += verdict == "refused"
        differ += verdict == "differ"
        if ci:
            ok = verdict != "differ" or name in known
            why = f"known difference: {known[name]}" if verdict == "differ" and name in known else detail
            failures += not ok
            print(f"{'PASS' if ok else 'FAIL'} conformance {name}: {verdict}" + (f" ({why})" if why else ""),
                  flush=True)
        else:
            print(f"{verdict:9} {name}" + (f": {detail}" if detail else ""), flush=True)
    print(f"conformance: {len(sources) - len(failed)} of {len(sources)} sources compiled; "
          f"{identical} of {loaded} objects libbpf loads are identical; {refused} refused by both; {differ} differ; "
          f"{unpinned} not comparable "
          f"({time.monotonic() - started:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
