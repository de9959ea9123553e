#!/usr/bin/env python3
# Checks that two exit tables (rawexitsnoop's and exitsnoop_baseline's, recorded at the same time) hold the same
# rows byte for byte, apart from the clock readings: each attached program calls bpf_ktime_get_ns() itself, so
# TIME and DURATION_NS differ by microseconds. Usage: same_rows.py RAW.txt BASELINE.txt [--threads]
import re
import sys

ROW = re.compile(rb"^(\d\d:\d\d:\d\d\.\d\d\d +)((?:\d+ +){2,3})(SIG\S+(?: \(core dumped\))? +|\d+ +)(\d+ +)(.*)$")


def rows(path):
    lines = open(path, "rb").read().split(b"\n")
    header, body = lines[0], [line for line in lines[1:] if line]
    normalized = []
    for line in body:
        match = ROW.match(line)
        if not match:
            sys.exit(f"{path}: not a table row: {line!r}")
        time, ids, code, duration, comm = match.groups()
        # Keep the widths (padding of each column) and drop only the two clock values.
        normalized.append(b"T" * len(time) + ids + code + b"D " + comm)
    return header, sorted(normalized)


raw_header, raw = rows(sys.argv[1])
base_header, base = rows(sys.argv[2])
if raw_header != base_header:
    sys.exit(f"headers differ: {raw_header!r} vs {base_header!r}")
only_raw = sorted(set(raw) - set(base))
only_base = sorted(set(base) - set(raw))
print(f"{len(raw)} vs {len(base)} rows; {len(raw) - len(only_raw)} identical apart from TIME and DURATION_NS values")
for line in only_raw[:5]:
    print("only in the first: ", line.decode("utf-8", "backslashreplace"))
for line in only_base[:5]:
    print("only in the second:", line.decode("utf-8", "backslashreplace"))
sys.exit(1 if only_raw or only_base else 0)
