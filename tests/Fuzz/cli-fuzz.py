#!/usr/bin/env python3
"""Fuzzes the published rawbpf binary on mutated objects and BTF blobs (see README.md, "The published tools").

Each mutant runs through `rawbpf btf dump file` (and bpftool, the oracle: both must dump the same bytes or both
refuse), `rawbpf object` or `rawbpf prog loadall` as a child process; os.wait4 gives each child's own peak RSS.
Reported: exit codes seen, the worst peak RSS and the slowest run (with their inputs), crashes (a signal or an
exit code other than 0/1), hangs (killed after --timeout), raw .NET resource keys or stack traces on stderr, and
btf dump's disagreements with bpftool. Exits 1 when any of those is found or a limit is broken.
"""
import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RESOURCE_KEY = re.compile(r"\b[A-Z][a-z]+_[A-Za-z]+\b")   # IO_FileExists_Name, Arg_IndexOutOfRangeException
STACK_TRACE = re.compile(r"^\s+at [\w.<>`]+\(|Exception:|\bSystem\.[A-Z]", re.M)
BPFFS = "/sys/fs/bpf"


def run(argv, timeout):
    """Runs argv; returns (exit code or -signal, seconds, peak RSS in KiB, stdout, stderr, hung)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        hung = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                hung = True
                child.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.002)
        child.returncode = 0   # reaped here; keep Popen from waiting again
        elapsed = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return code, elapsed, usage.ru_maxrss, out.read(), err.read().decode("utf-8", "replace"), hung


def remove_pins(directory):
    if os.path.isdir(directory):
        shutil.rmtree(directory, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rawbpf", default="artifacts/bin/rawbpf")
    parser.add_argument("--fuzz", default="tests/Fuzz/bin/Release/net10.0/rawbpf-fuzz")
    parser.add_argument("--btf", type=int, default=8000, help="btf dump mutants")
    parser.add_argument("--btf-c", type=int, default=2000, help="btf dump ... format c mutants (the first of the btf ones)")
    parser.add_argument("--object", type=int, default=8000, help="object mutants")
    parser.add_argument("--loadall", type=int, default=4000, help="prog loadall mutants")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a run counts as a hang")
    parser.add_argument("--max-rss-mb", type=float, default=256)
    parser.add_argument("--max-seconds", type=float, default=2.0)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="rawbpf-cli-fuzz-")
    if args.loadall and not os.path.ismount(BPFFS):
        subprocess.run(["mount", "-t", "bpf", "bpf", BPFFS], check=True)
    try:
        for target, count, seed in (("btf", max(args.btf, args.btf_c), args.seed), ("elf", max(args.object, args.loadall), args.seed + 1)):
            if count:
                subprocess.run([args.fuzz, "write-mutants", target, str(count), str(seed), work], check=True,
                               stdout=subprocess.DEVNULL)
        jobs = [("btf dump", os.path.join(work, f"btf-{i}.bin")) for i in range(args.btf)]
        jobs += [("btf dump format c", os.path.join(work, f"btf-{i}.bin")) for i in range(args.btf_c)]
        jobs += [("object", os.path.join(work, f"elf-{i}.bin")) for i in range(args.object)]
        jobs += [("prog loadall", os.path.join(work, f"elf-{i}.bin")) for i in range(args.loadall)]

        codes = collections.Counter()
        worst_rss = (0, None)
        slowest = (0.0, None)
        per_command = collections.defaultdict(lambda: [0, 0.0])   # command -> [peak RSS KiB, seconds]
        problems = []
        btf_agree = collections.Counter()
        c_agree = collections.Counter()
        clock = time.monotonic()
        for n, (command, path) in enumerate(jobs):
            pins = f"{BPFFS}/input-cli-fuzz-{os.getpid()}-{n}"
            argv = {
                "btf dump": [args.rawbpf, "btf", "dump", "file", path],
                "btf dump format c": [args.rawbpf, "btf", "dump", "file", path, "format", "c"],
                "object": [args.rawbpf, "object", path],
                "prog loadall": [args.rawbpf, "prog", "loadall", path, pins],
            }[command]
            code, elapsed, rss, out, err, hung = run(argv, args.timeout)
            if command == "prog loadall":
                remove_pins(pins)
            where = f"{command} {path}"
            codes[(command, code)] += 1
            if rss > worst_rss[0]:
                worst_rss = (rss, where)
            if elapsed > slowest[0]:
                slowest = (elapsed, where)
            per_command[command][0] = max(per_command[command][0], rss)
            per_command[command][1] = max(per_command[command][1], elapsed)
            if hung:
                problems.append(f"hang: {where}")
            elif code not in (0, 1):
                problems.append(f"crash (exit {code}): {where}: {err.strip()[:300]}")
            if RESOURCE_KEY.search(err) or STACK_TRACE.search(err):
                problems.append(f"raw resource key or stack trace: {where}: {err.strip()[:300]}")
            if command == "btf dump" and not hung:
                oracle = subprocess.run(["bpftool", "btf", "dump", "file", path], capture_output=True)
                ours_ok, theirs_ok = code == 0, oracle.returncode == 0
                if ours_ok and theirs_ok and out != oracle.stdout:
                    problems.append(f"btf dump differs from bpftool's: {path}")
                elif ours_ok != theirs_ok:
                    problems.append(f"btf dump {'dumps' if ours_ok else 'refuses'}, bpftool "
                                    f"{'dumps' if theirs_ok else 'refuses'}: {path}: {err.strip()[:200]}")
                else:
                    btf_agree["dumped" if ours_ok else "refused"] += 1
            if command == "btf dump format c" and not hung:
                # bpftool walks and prints nested anonymous types at every use without a limit: give it the same time.
                try:
                    # To a file, not a pipe: bpftool can print gigabytes before the timeout, and this process's size
                    # becomes each later child's peak RSS (exec keeps the forked image's high-water mark).
                    with tempfile.TemporaryFile() as theirs:
                        oracle = subprocess.run(["bpftool", "btf", "dump", "file", path, "format", "c"], stdout=theirs,
                                                stderr=subprocess.DEVNULL, timeout=args.timeout)
                        oracle.stdout = b"" if theirs.tell() > len(out) else (theirs.seek(0), theirs.read())[1]
                    ours_ok, theirs_ok = code == 0, oracle.returncode == 0
                    if oracle.returncode < 0:
                        c_agree[("dumped" if ours_ok else "refused") + f", bpftool killed by signal {-oracle.returncode}"] += 1
                    elif ours_ok and theirs_ok and out != oracle.stdout and b"__padding_at_" not in out:
                        problems.append(f"btf dump format c differs from bpftool's: {path}")
                    elif ours_ok and theirs_ok and out != oracle.stdout:
                        c_agree["differs by a padding array (gap past 4 KiB)"] += 1
                    elif ours_ok and not theirs_ok:
                        problems.append(f"btf dump format c dumps, bpftool refuses: {path}")
                    else:
                        c_agree["identical" if ours_ok else "refused by both" if not theirs_ok else "refused, bpftool prints"] += 1
                except subprocess.TimeoutExpired:
                    c_agree[("refused" if code else "dumped") + ", bpftool did not finish"] += 1
            if (n + 1) % 1000 == 0:
                print(f"  {n + 1}/{len(jobs)} in {time.monotonic() - clock:.0f} s, {len(problems)} problems", flush=True)

        print(f"{len(jobs)} runs in {time.monotonic() - clock:.0f} s (rawbpf {args.rawbpf}, seed {args.seed})")
        for (command, code), count in sorted(codes.items()):
            print(f"  {command}: exit {code} x {count}")
        print(f"  btf dump agrees with bpftool: {btf_agree['dumped']} dumped, {btf_agree['refused']} refused")
        print("  btf dump format c against bpftool's: " + ", ".join(f"{k} {v}" for k, v in sorted(c_agree.items())))
        print(f"  worst peak RSS: {worst_rss[0] / 1024:.1f} MB ({worst_rss[1]})")
        print(f"  slowest: {slowest[0]:.3f} s ({slowest[1]})")
        for command, (rss, seconds) in per_command.items():
            print(f"  {command}: worst peak RSS {rss / 1024:.1f} MB, slowest {seconds:.3f} s")
        print(f"  problems: {len(problems)}")
        for problem in problems[:50]:
            print(f"    {problem}")
        failed = problems or worst_rss[0] / 1024 >= args.max_rss_mb or slowest[0] >= args.max_seconds
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
