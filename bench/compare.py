#!/usr/bin/env python3
# Runs rawexitsnoop and the libbpf baseline alternately (A B A B ...) and prints medians and ratios.
# Called by bench/compare.sh after the build; usable alone once artifacts/ is built:
#   python3 bench/compare.py [--pairs N] [--exits N] [--workers N]
# Every figure is whole-process and measured from outside the tool (fork/exec, pty, wait4, /proc), so both
# tools are measured by the same code.
import argparse
import os
import pty
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RAW = os.path.join(REPO, "artifacts/bin/rawexitsnoop")
BASE = os.path.join(REPO, "artifacts/baseline/exitsnoop_baseline")
OBJECT = os.path.join(REPO, "artifacts/bpf/exitsnoop.bpf.o")
FORKEXIT = os.path.join(REPO, "artifacts/baseline/forkexit")
HEADER = b"TIME "


def command(tool):
    return [RAW] if tool == "rawexitsnoop" else [BASE, "-o", OBJECT]


def reset_signals():
    # A tool started from a script must see SIGINT/SIGTERM with default dispositions.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def time_until_attached(tool):
    """Seconds from fork+exec until the header line reaches a terminal (a pty): the header is printed after attach."""
    start = time.perf_counter()
    pid, master = pty.fork()
    if pid == 0:
        reset_signals()
        os.execv(command(tool)[0], command(tool))
    seen = b""
    elapsed = None
    deadline = start + 10
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if HEADER in seen:
            elapsed = time.perf_counter() - start
            break
    os.kill(pid, signal.SIGTERM)
    # Drain so the tool never blocks on a full pty while stopping.
    while True:
        try:
            if not select.select([master], [], [], 2)[0] or not os.read(master, 65536):
                break
        except OSError:
            break
    _, _, usage = os.wait4(pid, 0)
    # Threads that already ended (a preload thread) count here, unlike in /proc/<pid>/task while it runs.
    cpu = usage.ru_utime + usage.ru_stime
    os.close(master)
    if elapsed is None:
        raise RuntimeError(f"{tool}: no header on the terminal: {seen[-300:]!r}")
    return elapsed, cpu


def cpu_seconds(pid):
    """CPU time of a live process's threads in ns precision: the first field of /proc/<pid>/task/*/schedstat."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return total / 1e9


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def line_count(path):
    with open(path, "rb") as f:
        return f.read().count(b"\n")


def under_load(tool, exits, workers, workdir):
    """Starts the tool with stdout to a file, generates `exits` exits, stops it; returns its figures."""
    out_path = os.path.join(workdir, f"{tool}.out")
    err_path = os.path.join(workdir, f"{tool}.err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(command(tool), stdout=out, stderr=err, preexec_fn=reset_signals)
    deadline = time.time() + 10
    while line_count(out_path) < 1:
        if time.time() > deadline or proc.poll() is not None:
            raise RuntimeError(f"{tool}: no header: {open(err_path).read()}")
        time.sleep(0.002)
    cpu_before = cpu_seconds(proc.pid)
    gen = subprocess.Popen([FORKEXIT, str(exits // workers), str(workers)], stdout=subprocess.PIPE, text=True)
    gen_out, _ = gen.communicate()
    if gen.returncode != 0:
        raise RuntimeError(f"forkexit failed: {gen_out}")
    gen_pid_rate = re.search(r"\(([0-9.]+)/s\)", gen_out)
    # Let the tool drain what the kernel already queued: wait until its output stops growing.
    last, still = -1, 0
    while still < 3:
        time.sleep(0.1)
        count = line_count(out_path)
        still = still + 1 if count == last else 0
        last = count
    cpu_load = cpu_seconds(proc.pid) - cpu_before
    # VmHWM of the tool's own image: wait4's ru_maxrss would also count the forked Python before exec.
    rss_kb = peak_rss_kb(proc.pid)
    proc.send_signal(signal.SIGTERM)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = status
    captured = count_generator_children(out_path, gen.pid)
    return {
        "cpu_total": usage.ru_utime + usage.ru_stime,
        "cpu_load": cpu_load,
        "rss_kb": rss_kb,
        "captured": captured,
        "gen_rate": float(gen_pid_rate.group(1)) if gen_pid_rate else 0.0,
        "out_path": out_path,
    }


def count_generator_children(path, generator_pid):
    """Rows of forkexit's children: their PPID is one of the workers, whose own PPID is the generator."""
    rows = []
    with open(path, "rb") as f:
        next(f, None)
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[-1] == b"forkexit":
                rows.append((int(parts[1]), int(parts[2])))
    workers = {pid for pid, ppid in rows if ppid == generator_pid}
    return sum(1 for _, ppid in rows if ppid in workers)


def shared_libraries(path):
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    return sorted(line.split()[0] for line in out.splitlines() if line.strip())


def median(values):
    return statistics.median(values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--exits", type=int, default=40000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--attach-runs", type=int, default=3, help="start-up measurements per tool and pair")
    args = parser.parse_args()
    tools = ["rawexitsnoop", "baseline"]
    results = {t: {"attach": [], "attach_cpu": [], "cpu_total": [], "cpu_load": [], "rss_kb": [], "captured": [], "gen_rate": []} for t in tools}
    with tempfile.TemporaryDirectory() as workdir:
        for i in range(args.pairs):
            for tool in tools:
                for _ in range(args.attach_runs):
                    elapsed, cpu = time_until_attached(tool)
                    results[tool]["attach"].append(elapsed)
                    results[tool]["attach_cpu"].append(cpu)
                load = under_load(tool, args.exits, args.workers, workdir)
                for key in ("cpu_total", "cpu_load", "rss_kb", "captured", "gen_rate"):
                    results[tool][key].append(load[key])
            r, b = results["rawexitsnoop"], results["baseline"]
            print(f"pair {i + 1}/{args.pairs}: attach {r['attach'][-1] * 1e3:.1f} / {b['attach'][-1] * 1e3:.1f} ms, "
                  f"cpu {r['cpu_total'][-1]:.2f} / {b['cpu_total'][-1]:.2f} s, rss {r['rss_kb'][-1] / 1024:.1f} / "
                  f"{b['rss_kb'][-1] / 1024:.1f} MB, captured {r['captured'][-1]} / {b['captured'][-1]}", file=sys.stderr)

    r, b = results["rawexitsnoop"], results["baseline"]
    n = args.exits

    def row(name, raw, base, fmt, target=None, lower_is_better=True):
        ratio = raw / base if base else float("nan")
        verdict = ""
        if target is not None:
            met = ratio <= target if lower_is_better else ratio >= target
            verdict = f"≤ {target}×: {'met' if met else 'MISSED'}" if lower_is_better else f"≥ {target}×: {'met' if met else 'MISSED'}"
        print(f"| {name} | {fmt(raw)} | {fmt(base)} | {ratio:.2f} | {verdict} |")

    print(f"\n{args.pairs} pairs (A B A B ...), medians; {n} exits from forkexit ({args.workers} workers), output to a file.\n")
    print("| figure | rawexitsnoop | libbpf baseline | ratio | target |")
    print("|---|---:|---:|---:|---|")
    row("time until attached (exec → header on a pty)", median(r["attach"]), median(b["attach"]), lambda v: f"{v * 1e3:.1f} ms", 0.6)
    row("  same, fastest run", min(r["attach"]), min(b["attach"]), lambda v: f"{v * 1e3:.1f} ms")
    row("CPU of a start → attach → stop run", median(r["attach_cpu"]), median(b["attach_cpu"]), lambda v: f"{v * 1e3:.1f} ms")
    row("CPU, whole run (user+sys)", median(r["cpu_total"]), median(b["cpu_total"]), lambda v: f"{v:.3f} s")
    row("CPU while tracing, per exit", median(r["cpu_load"]) / n, median(b["cpu_load"]) / n, lambda v: f"{v * 1e6:.2f} µs", 0.7)
    row("peak RSS (VmHWM)", median(r["rss_kb"]), median(b["rss_kb"]), lambda v: f"{v / 1024:.1f} MB", 0.8)
    lost_r = [n - c for c in r["captured"]]
    lost_b = [n - c for c in b["captured"]]
    print(f"| generator's exits captured (worst run) | {min(r['captured'])} of {n} | {min(b['captured'])} of {n} | | 0 lost: "
          f"{'met' if max(lost_r) == 0 else 'MISSED'} |")
    print(f"| generator rate while traced (median) | {median(r['gen_rate']):.0f}/s | {median(b['gen_rate']):.0f}/s | | |")
    size_r, size_b = os.path.getsize(RAW), os.path.getsize(BASE)
    print(f"| binary size | {size_r / 1e6:.2f} MB | {size_b / 1e3:.0f} kB (+ libbpf.so {libbpf_size() / 1e3:.0f} kB) | | ≤ 4 MB: "
          f"{'met' if size_r <= 4e6 else 'MISSED'} |")
    print(f"| shared libraries (ldd) | {', '.join(shared_libraries(RAW))} | {', '.join(shared_libraries(BASE))} | | |")


def libbpf_size():
    for line in subprocess.run(["ldd", BASE], capture_output=True, text=True).stdout.splitlines():
        if "libbpf" in line and "=>" in line:
            return os.path.getsize(os.path.realpath(line.split("=>")[1].split()[0]))
    return 0


if __name__ == "__main__":
    main()
