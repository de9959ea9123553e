#!/bin/sh
# /init of the kernel-matrix guest (busybox sh, PID 1). Mounts proc, sysfs, devtmpfs (NOT tracefs: rawexitsnoop
# must mount it itself when it is missing), runs the checks in a child shell (so they are not PID 1), prints
# the verdict line the host looks for, and powers off. Any path out of here must power off: a PID 1 that
# exits panics the kernel (panic=-1 then reboots, and -no-reboot ends qemu; the host reports "no verdict").
export PATH=/bin:/opt/rawbpf/artifacts/bin:/opt/rawbpf/procs
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
release=$(uname -r)
# checks.sh narrates on the console and writes its one-line verdict to /tmp/verdict.
/bin/sh /opt/rawbpf/checks.sh "$(cat /opt/rawbpf/mode)" < /dev/null > /dev/console 2>&1
status=$?
[ -s /tmp/verdict ] || echo "FAIL $release: checks.sh wrote no verdict (exit status $status)" > /tmp/verdict
echo
echo "RAWBPF-VERDICT $(tail -n 1 /tmp/verdict)"
sync
poweroff -f
sleep 5
