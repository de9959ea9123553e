#!/usr/bin/env python3
# Start-up stress: thousands of `rawexitsnoop --count 1` starts into a pipe while other processes fork and
# burn CPU, each given 10 s to print its header and end. A start that hangs (issue 10, item 9: two threads
# deadlocked in the runtime's class constructors) is reported with each thread's kernel wait, then killed.
#   python3 bench/startup_stress.py [--starts N] [--binary PATH]      (root; BPF must work)
import argparse
import os
import signal
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LIMIT_S = 10


def threads_of(pid):
    lines = []
    for task in sorted(os.listdir(f"/proc/{pid}/task")):
        try:
            with open(f"/proc/{pid}/task/{task}/wchan") as wchan, open(f"/proc/{pid}/task/{task}/comm") as comm:
                lines.append(f"  thread {task} {comm.read().strip()} wchan={wchan.read()}")
        except OSError:
            pass
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=3000)
    parser.add_argument("--binary", default=os.path.join(REPO, "artifacts/bin/rawexitsnoop"))
    args = parser.parse_args()
    # The load: a fork loop (exits for --count 1, and fork pressure) and a CPU burner per core.
    load = [subprocess.Popen(["/bin/sh", "-c", "while :; do /bin/true; done"])]
    load += [subprocess.Popen(["/bin/sh", "-c", "while :; do :; done"]) for _ in range(os.cpu_count() or 1)]
    hangs = failures = 0
    started = time.monotonic()
    try:
        for _ in range(args.starts):
            tool = subprocess.Popen([args.binary, "--count", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            try:
                tool.wait(LIMIT_S)
                header = tool.stdout.readline()
                if tool.returncode != 0 or not header.startswith(b"TIME "):
                    failures += 1
                    print(f"start failed: exit {tool.returncode}, first line {header!r}", file=sys.stderr)
            except subprocess.TimeoutExpired:
                hangs += 1
                print(f"hang: pid {tool.pid} no end after {LIMIT_S} s\n{threads_of(tool.pid)}", file=sys.stderr)
                tool.kill()
                tool.wait()
            tool.stdout.close()
    finally:
        for process in load:
            process.send_signal(signal.SIGKILL)
            process.wait()
    elapsed = time.monotonic() - started
    print(f"startup_stress: {args.starts} starts in {elapsed:.0f} s under fork and CPU load: {hangs} hangs, {failures} failures")
    return 1 if hangs or failures else 0


if __name__ == "__main__":
    sys.exit(main())
