#!/bin/sh
# The kernel-matrix checks, run inside the guest by /init (busybox sh) as `checks.sh smoke|full`.
# Narrates "CHECK OK <name>" / "CHECK FAIL <name>: <detail>" on stdout (the serial console, kept in
# artifacts/kernels/<series>.log) and writes one verdict line to /tmp/verdict:
#   PASS <uname -r>      or      FAIL <uname -r>: <check>: <detail>; <check>: <detail>...
# smoke: the boot pipeline without RawBpf (BTF, bpf(2), bpffs, tracefs).
# full:  adds rawexitsnoop (records, filters, --explain narration, stop), rawbpf prog loadall of each
#        CO-RE test object, and rawbpf net attach (xdp; tcx or its clean error before 6.6).

# ---- What the checks expect from the tools (adjust here) ------------------------------------------------
# --explain narrates each system call on stderr; a program load shows this:
PROG_LOAD_MATCH='bpf(BPF_PROG_LOAD'
# ... and the tracepoint attach shows one of these: a BPF link for perf events exists since 5.15;
# older kernels (5.10 here) need perf_event_open + PERF_EVENT_IOC_SET_BPF.
ATTACH_MATCH_LINK='BPF_LINK_CREATE'
ATTACH_MATCH_IOCTL='PERF_EVENT_IOC_SET_BPF'
LINK_FOR_PERF_EVENTS_SINCE='5.15'
# Without tracefs access (a user with only CAP_BPF + CAP_PERFMON: tracefs is mode 0700) the tool attaches the raw
# tracepoint by name instead.
ATTACH_MATCH_RAW='BPF_RAW_TRACEPOINT_OPEN'
# That user, as the README promises it works: uid/gid 65534, no groups, CAP_BPF + CAP_PERFMON only
# (util-linux setpriv, copied into the guest; busybox's cannot change ids).
AS_BPF_USER='/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon'
# Kernels before this charge BPF memory to RLIMIT_MEMLOCK, which that user cannot raise: the message must say so.
MEMCG_ACCOUNTING_SINCE='5.11'
# Every JSON record has these fields ("name":value, compact, one object per line).
JSON_FIELDS='time pid tid ppid uid comm exit_code signal core_dumped duration_ns cgroup_id'
# Test objects the verifier must reject: rawbpf exits non-zero and prints the verifier log containing this.
EXPECT_REJECTED='verifier_reject.bpf.o'
REJECT_MATCH='invalid mem access'
# Objects a kernel series cannot load, as series:object (e.g. '5.10:core_type_matches.bpf.o').
# None: every CO-RE test object loads on every kernel of the matrix (core_fields guards the fields old kernels
# lack, e.g. struct pid's `ino`, with bpf_core_field_exists, so the poisoned instructions are dead code).
SKIP_OBJECTS=''
# tcx links (BPF_TCX_INGRESS/EGRESS) came in this release: before it, `rawbpf net attach tcx_*` must fail in one
# line naming it (the tool finds out by a feature probe, not the version string).
TCX_SINCE='6.6'
# struct_ops maps with BPF_F_LINK (.struct_ops.link) came in this release: before it BPF_MAP_CREATE refuses the flag.
STRUCT_OPS_LINK_SINCE='6.4'
TCX_MISSING_MATCH='it needs Linux 6.6'
# kprobe.multi links (BPF_TRACE_KPROBE_MULTI) exist since this release, and only with CONFIG_FPROBE=y: where either
# is missing, `rawbpf prog loadall ... autoattach` must fail naming it (the tool finds out by a feature probe).
KPROBE_MULTI_SINCE='5.18'
# Seconds to wait for rawexitsnoop to attach (Native AOT start, BTF parse and CO-RE under TCG emulation).
ATTACH_WAIT_SECONDS=90
# Seconds a tool may take to exit after SIGTERM or after its -c count is reached.
EXIT_WAIT_SECONDS=20
# -------------------------------------------------------------------------------------------------------------

mode=${1:-full}
release=$(uname -r)
series=$(echo "$release" | cut -d. -f1,2)
failures=''

ok() { echo "CHECK OK $1"; }
fail() {
    echo "CHECK FAIL $1: $2"
    failures="$failures; $1: $2"
}
# The last lines of a file on one line, for a verdict.
tail_of() { tail -n "${2:-3}" "$1" 2>/dev/null | tr '\n' '|' | cut -c1-300; }
# Shows a file in the log between markers.
show() {
    echo "----- $1 -----"
    cat "$1" 2>/dev/null
    echo "----- end of $1 -----"
}
# version_lt 5.10 5.15: true when the first major.minor is older.
version_lt() {
    [ "${1%%.*}" -lt "${2%%.*}" ] || { [ "${1%%.*}" -eq "${2%%.*}" ] && [ "${1#*.}" -lt "${2#*.}" ]; }
}
# Waits for a background process to end, at most N seconds (then SIGKILL); sets $status to its exit status.
# (Not in $(...): a subshell cannot wait for its parent's children.)
wait_bounded() {
    (sleep "$2"; kill -KILL "$1" 2>/dev/null) &
    watchdog=$!
    wait "$1"
    status=$?
    kill "$watchdog" 2>/dev/null
    wait "$watchdog" 2>/dev/null
}
# Waits until the explain narration shows an attach; false if the process died or the time ran out.
wait_attached() {
    waited=0
    while [ "$waited" -lt $((ATTACH_WAIT_SECONDS * 10)) ]; do
        if grep -qF -e "$ATTACH_MATCH_LINK" -e "$ATTACH_MATCH_IOCTL" -e "$ATTACH_MATCH_RAW" "$2" 2>/dev/null; then
            sleep 1 # the attach line may be printed before the syscall finished
            return 0
        fi
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.1
        waited=$((waited + 1))
    done
    return 1
}
# Waits for the attach of the background tool $snoop narrating into $explain; on failure kills it, records
# FAIL $1 naming what $2 says, shows the narration, and returns 1.
attached_or_fail() {
    wait_attached "$snoop" "$explain" && return 0
    kill -KILL "$snoop" 2>/dev/null
    wait_bounded "$snoop" 5
    fail "$1" "$2: no attach line on stderr within ${ATTACH_WAIT_SECONDS} s or it exited (status $status); stderr: $(tail_of "$explain" 4)"
    show "$explain"
    return 1
}
# Lets the records reach user space (the ring buffer is read asynchronously), stops $snoop with SIGTERM (sets
# $status) and shows what it wrote.
stop_and_show() {
    sleep 2
    kill -TERM "$snoop"
    wait_bounded "$snoop" "$EXIT_WAIT_SECONDS"
    show "$events"
    show "$explain"
}
# The JSON records of one pid ("pid":N, never matches "ppid":N or "tid":N).
records_of() { grep "\"pid\":$1," "$2"; }
# A numeric field of a JSON line.
field_of() { echo "$2" | sed -n "s/.*\"$1\":\\([0-9-]*\\).*/\\1/p"; }

# ---- The boot pipeline ---------------------------------------------------------------------------------------
echo "CHECKS $mode on $release (series $series), $(nproc) CPUs, RLIMIT_MEMLOCK $(ulimit -l)"

if [ -r /sys/kernel/btf/vmlinux ]; then
    ok "btf: /sys/kernel/btf/vmlinux $(wc -c < /sys/kernel/btf/vmlinux) bytes"
else
    fail btf "/sys/kernel/btf/vmlinux missing"
fi

if bpf_probe > /tmp/bpf_probe.out 2>&1; then
    ok "$(cat /tmp/bpf_probe.out)"
else
    fail bpf_probe "$(tail_of /tmp/bpf_probe.out)"
fi

if mount -t bpf bpf /sys/fs/bpf 2> /tmp/mount.err; then
    ok "bpffs mounted on /sys/fs/bpf"
else
    fail bpffs "$(tail_of /tmp/mount.err)"
fi

if [ "$mode" = smoke ]; then
    if mount -t tracefs tracefs /sys/kernel/tracing 2> /tmp/mount.err &&
        [ -r /sys/kernel/tracing/events/sched/sched_process_exit/id ]; then
        ok "tracefs mounted; sched/sched_process_exit id $(cat /sys/kernel/tracing/events/sched/sched_process_exit/id)"
    else
        fail tracefs "$(tail_of /tmp/mount.err) sched_process_exit/id missing"
    fi
fi

# ---- rawexitsnoop: every exit, JSON, explained, stopped with SIGTERM ---------------------------------------
check_exitsnoop() {
    if grep -q ' tracefs ' /proc/mounts; then
        fail exitsnoop_setup "tracefs is already mounted: the check that rawexitsnoop mounts it would prove nothing"
    fi
    events=/tmp/events.json
    explain=/tmp/explain.txt
    rawexitsnoop --json --explain > "$events" 2> "$explain" &
    snoop=$!
    attached_or_fail exitsnoop_attach "rawexitsnoop --json --explain" || return
    ok "rawexitsnoop attached"
    if grep -q ' tracefs ' /proc/mounts; then
        echo "INFO tracefs is mounted now (by rawexitsnoop)"
    else
        echo "INFO tracefs is not in /proc/mounts after the attach"
    fi

    # The workload; each process's pid is what $! says.
    sh -c 'exit 3' &
    pid_exit3=$!
    wait "$pid_exit3"
    sleep 10 &
    pid_killed=$!
    # Kill it only once the child has exec'd sleep, so its comm is "sleep" rather than the forked shell's.
    waited=0
    while [ "$(cat /proc/$pid_killed/comm 2>/dev/null)" != sleep ] && [ "$waited" -lt 100 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -9 "$pid_killed"
    wait "$pid_killed"
    main_exits_first > /tmp/main_exits_first.out &
    pid_main_exits_first=$!
    wait "$pid_main_exits_first"
    status_main_exits_first=$?
    segv &
    pid_segv=$!
    wait "$pid_segv"
    group_exit 8 7 &
    pid_group_exit=$!
    wait "$pid_group_exit"
    stop_and_show
    if [ "$status" = 0 ]; then
        ok "rawexitsnoop exited 0 on SIGTERM"
    else
        fail exitsnoop_sigterm "exit status $status after SIGTERM (137: killed after ${EXIT_WAIT_SECONDS} s); stderr: $(tail_of "$explain")"
    fi

    # --explain narration
    if grep -qF "$PROG_LOAD_MATCH" "$explain"; then
        ok "explain shows $PROG_LOAD_MATCH"
    else
        fail explain_prog_load "no '$PROG_LOAD_MATCH' on stderr"
    fi
    if version_lt "$series" "$LINK_FOR_PERF_EVENTS_SINCE"; then
        expected_attach=$ATTACH_MATCH_IOCTL
    else
        expected_attach=$ATTACH_MATCH_LINK
    fi
    if grep -qF "$expected_attach" "$explain"; then
        ok "explain shows $expected_attach (kernel $series)"
    else
        fail explain_attach "kernel $series: no '$expected_attach' on stderr; attach lines: $(grep -F -e "$ATTACH_MATCH_LINK" -e "$ATTACH_MATCH_IOCTL" "$explain" | tr '\n' '|' | cut -c1-200)"
    fi

    # sh -c 'exit 3': one record, exit code 3, every field, parent = this shell, uid 0
    records=$(records_of "$pid_exit3" "$events")
    count=$(echo "$records" | grep -c .)
    if [ "$count" = 1 ] && echo "$records" | grep -q '"exit_code":3,' && echo "$records" | grep -q '"signal":0,' &&
        echo "$records" | grep -q "\"ppid\":$$," && echo "$records" | grep -q '"uid":0,' &&
        echo "$records" | grep -q '"time":"[0-9]'; then
        ok "exit 3 (pid $pid_exit3)"
    else
        fail exit_code "pid $pid_exit3 (sh -c 'exit 3', ppid $$): want one record with \"exit_code\":3, \"signal\":0, \"ppid\":$$, \"uid\":0, \"time\":\"...; got $count: $(echo "$records" | cut -c1-300)"
    fi
    missing=''
    for field in $JSON_FIELDS; do
        echo "$records" | grep -q "\"$field\":" || missing="$missing $field"
    done
    if [ -z "$missing" ]; then
        ok "JSON fields: $JSON_FIELDS"
    else
        fail json_fields "missing:$missing"
    fi

    # sleep 10 & kill -9: signal 9
    records=$(records_of "$pid_killed" "$events")
    if echo "$records" | grep -q '"signal":9,' && echo "$records" | grep -q '"comm":"sleep"'; then
        ok "kill -9 (pid $pid_killed)"
    else
        fail signal "pid $pid_killed (sleep 10, kill -9): want \"signal\":9 and \"comm\":\"sleep\"; got: $(echo "$records" | cut -c1-300)"
    fi

    # main thread leaves first, the other thread exits(5) 0.3 s later: ONE record, code 5, duration >= 0.3 s
    records=$(records_of "$pid_main_exits_first" "$events")
    count=$(echo "$records" | grep -c .)
    duration=$(field_of duration_ns "$records" | head -n 1)
    if ! grep -q "^pid $pid_main_exits_first " /tmp/main_exits_first.out || [ "$status_main_exits_first" != 5 ]; then
        fail main_exits_first_helper "helper printed '$(cat /tmp/main_exits_first.out)', status $status_main_exits_first, \$! $pid_main_exits_first"
    elif [ "$count" = 1 ] && echo "$records" | grep -q '"exit_code":5,' && [ "${duration:-0}" -ge 300000000 ]; then
        ok "main_exits_first (pid $pid_main_exits_first): one record, exit code 5, duration_ns $duration"
    else
        fail main_exits_first "pid $pid_main_exits_first: want exactly one record with \"exit_code\":5 and duration_ns >= 300000000; got $count: $(echo "$records" | cut -c1-300)"
    fi

    # segv: signal 11
    records=$(records_of "$pid_segv" "$events")
    if echo "$records" | grep -q '"signal":11,'; then
        ok "segv (pid $pid_segv)"
    else
        fail segv "pid $pid_segv: want \"signal\":11; got: $(echo "$records" | cut -c1-300)"
    fi

    # 8 threads die with exit(7): ONE record, code 7
    records=$(records_of "$pid_group_exit" "$events")
    count=$(echo "$records" | grep -c .)
    if [ "$count" = 1 ] && echo "$records" | grep -q '"exit_code":7,'; then
        ok "group_exit (pid $pid_group_exit): one record, exit code 7"
    else
        fail group_exit "pid $pid_group_exit (9 threads, exit(7)): want exactly one record with \"exit_code\":7; got $count: $(echo "$records" | cut -c1-300)"
    fi
}

# ---- rawexitsnoop --pid P -c 1: the filter, and the count ends the run -------------------------------------
check_exitsnoop_pid_count() {
    sleep 1000 &
    target=$!
    events=/tmp/events-pid.json
    explain=/tmp/explain-pid.txt
    rawexitsnoop --json --explain --pid "$target" -c 1 > "$events" 2> "$explain" &
    snoop=$!
    if ! attached_or_fail pid_count_attach "rawexitsnoop --pid $target -c 1"; then
        kill -9 "$target"
        return
    fi
    sh -c 'exit 4' # another process's exit, which the filter must drop
    kill -TERM "$target"
    wait "$target"
    wait_bounded "$snoop" "$EXIT_WAIT_SECONDS"
    show "$events"
    lines=$(grep -c . "$events")
    if [ "$status" = 0 ] && [ "$lines" = 1 ] && grep -q "\"pid\":$target," "$events" && grep -q '"signal":15,' "$events"; then
        ok "--pid $target -c 1: one record (signal 15), exit 0"
    else
        fail pid_count "--pid $target -c 1: want exit status 0 (got $status, 137: still running after ${EXIT_WAIT_SECONDS} s) and exactly one line with \"pid\":$target and \"signal\":15 (got $lines: $(head -c 300 "$events")); stderr: $(tail_of "$explain")"
    fi
}

# ---- rawexitsnoop as a user with only CAP_BPF + CAP_PERFMON, --cgroup over a subtree -----------------------
# tracefs is mounted by now (by the root run above, mode 0700): this user cannot read it, so the tool takes the raw
# tracepoint and must not try to mount anything. The workload exercises "last thread" on that path (group_dead
# from the tracepoint's arguments on kernels that pass it, signal->live before) and the cgroup subtree filter.
check_exitsnoop_capabilities() {
    cgroups=/sys/fs/cgroup
    if ! mount -t cgroup2 none "$cgroups" 2> /tmp/mount.err || ! mkdir -p "$cgroups/matrix/child/grandchild"; then
        fail caps_setup "cgroup2 on $cgroups: $(tail_of /tmp/mount.err)"
        return
    fi
    raise_memlock=''
    if version_lt "$series" "$MEMCG_ACCOUNTING_SINCE"; then
        $AS_BPF_USER rawexitsnoop -c 1 > /tmp/memlock.out 2>&1
        status=$?
        if [ "$status" = 1 ] && grep -qi 'memlock' /tmp/memlock.out; then
            ok "kernel $series, CAP_BPF + CAP_PERFMON, RLIMIT_MEMLOCK $(ulimit -l) KiB: fails naming RLIMIT_MEMLOCK"
        else
            fail caps_memlock "kernel $series with RLIMIT_MEMLOCK $(ulimit -l) KiB: want exit 1 and a message naming RLIMIT_MEMLOCK; got exit $status: $(tail_of /tmp/memlock.out)"
        fi
        raise_memlock='ulimit -l unlimited;' # what an admin does for such a user (systemd: LimitMEMLOCK=infinity)
    fi
    events=/tmp/events-caps.json
    explain=/tmp/explain-caps.txt
    sh -c "$raise_memlock exec $AS_BPF_USER rawexitsnoop --json --explain --cgroup $cgroups/matrix" > "$events" 2> "$explain" &
    snoop=$!
    attached_or_fail caps_attach "rawexitsnoop as uid 65534 with CAP_BPF + CAP_PERFMON" || return
    sh -c "echo \$\$ > $cgroups/matrix/child/cgroup.procs && exit 6" &
    pid_child=$!
    wait "$pid_child"
    sh -c "echo \$\$ > $cgroups/matrix/child/grandchild/cgroup.procs && exec main_exits_first" > /dev/null &
    pid_main_exits_first=$!
    wait "$pid_main_exits_first"
    sh -c "echo \$\$ > $cgroups/matrix/child/cgroup.procs && exec group_exit 8 7" &
    pid_group_exit=$!
    wait "$pid_group_exit"
    sh -c 'exit 6' &
    pid_outside=$!
    wait "$pid_outside"
    stop_and_show

    if [ "$status" = 0 ] && grep -qF "$ATTACH_MATCH_RAW" "$explain" && ! grep -q '^mount(' "$explain"; then
        ok "as uid 65534 with CAP_BPF + CAP_PERFMON: $ATTACH_MATCH_RAW, no mount, exit 0 on SIGTERM"
    else
        fail caps_attach_path "want exit 0, '$ATTACH_MATCH_RAW' and no mount( on stderr; got exit $status, attach lines: $(grep -F -e "$ATTACH_MATCH_RAW" -e "$ATTACH_MATCH_LINK" -e "$ATTACH_MATCH_IOCTL" -e 'mount(' "$explain" | tr '\n' '|' | cut -c1-200)"
    fi
    child=$(records_of "$pid_child" "$events")
    main_exits_first=$(records_of "$pid_main_exits_first" "$events")
    group_exit=$(records_of "$pid_group_exit" "$events")
    outside=$(records_of "$pid_outside" "$events")
    if [ "$(echo "$child" | grep -c '"exit_code":6,')" = 1 ] &&
        [ "$(echo "$main_exits_first" | grep -c .)" = 1 ] && echo "$main_exits_first" | grep -q '"exit_code":5,' &&
        [ "$(echo "$group_exit" | grep -c .)" = 1 ] && echo "$group_exit" | grep -q '"exit_code":7,' &&
        [ -z "$outside" ]; then
        ok "--cgroup subtree as uid 65534: child, grandchild (main_exits_first) and group_exit once each, nothing from outside"
    else
        fail caps_cgroup_subtree "want one record each for child $pid_child (code 6), grandchild $pid_main_exits_first (code 5), group_exit $pid_group_exit (code 7), none for $pid_outside; got: $(echo "$child|$main_exits_first|$group_exit|$outside" | cut -c1-400)"
    fi
}

# ---- rawbpf prog loadall of each CO-RE test object ---------------------------------------------------------
check_loadall() {
    for object in /opt/rawbpf/artifacts/bpf/tests/*.bpf.o; do
        name=${object##*/}
        case "$name" in
            # ksyms calls bpf_rcu_read_lock (a kfunc since 6.2) and optional_programs loads nothing unless asked
            # (SEC("?...")): the host's KsymTests and ObjectModelTests check them, not "every program pinned".
            ksyms.bpf.o | optional_programs.bpf.o) continue ;;
            # nf_conntrack's kfuncs and an fentry on one of them: check_module_btf loads the module first.
            kfunc_conntrack.bpf.o | fentry_module.bpf.o) continue ;;
        esac
        case " $SKIP_OBJECTS " in
            *" $series:$name "*)
                echo "SKIP loadall $name on $series"
                continue ;;
        esac
        pin_dir=/sys/fs/bpf/${name%.bpf.o}
        timeout "$EXIT_WAIT_SECONDS" rawbpf prog loadall "$object" "$pin_dir" > /tmp/loadall.out 2>&1
        status=$?
        if { [ "$name" = struct_ops_link.bpf.o ] || [ "$name" = struct_ops_cli_link.bpf.o ]; } && version_lt "$series" "$STRUCT_OPS_LINK_SINCE"; then
            if [ "$status" != 0 ] && grep -qF 'bpf(BPF_MAP_CREATE) failed: EINVAL' /tmp/loadall.out; then
                ok "loadall $name refused before $STRUCT_OPS_LINK_SINCE (BPF_F_LINK)"
            else
                fail "loadall_$name" "want BPF_MAP_CREATE's EINVAL before $STRUCT_OPS_LINK_SINCE; got exit $status: $(tail_of /tmp/loadall.out)"
            fi
            continue
        fi
        case " $EXPECT_REJECTED " in
            *" $name "*)
                if [ "$status" != 0 ] && grep -qF "$REJECT_MATCH" /tmp/loadall.out; then
                    ok "loadall $name rejected by the verifier (exit $status)"
                else
                    fail "loadall_$name" "want non-zero exit and '$REJECT_MATCH'; got exit $status: $(tail_of /tmp/loadall.out)"
                fi
                continue ;;
        esac
        missing=''
        for program in $(cat "/opt/rawbpf/expected/$name.programs"); do
            [ -e "$pin_dir/$program" ] || missing="$missing $program"
        done
        if [ "$status" = 0 ] && [ -z "$missing" ]; then
            ok "loadall $name: pinned $(ls "$pin_dir" 2>/dev/null | tr '\n' ' ')"
        else
            fail "loadall_$name" "exit $status, not pinned:${missing:- none}; output: $(tail_of /tmp/loadall.out)"
            show /tmp/loadall.out
        fi
    done
}

# ---- rawbpf net attach: tcx where the kernel has it, a clean error naming its release where not; XDP everywhere -
# Uses the programs check_loadall pinned from net_attach.bpf.o; each link is pinned, then unpinned (detached).
check_net_attach() {
    programs=/sys/fs/bpf/net_attach
    if [ ! -e "$programs/netatt_tc_in" ] || [ ! -e "$programs/netatt_xdp" ]; then
        fail net_attach_setup "net_attach.bpf.o's programs are not pinned under $programs (see loadall)"
        return
    fi
    link=/sys/fs/bpf/netatt_link
    timeout "$EXIT_WAIT_SECONDS" rawbpf net attach xdpgeneric "$programs/netatt_xdp" dev lo --pin-link "$link" > /tmp/net_attach.out 2>&1
    status=$?
    if [ "$status" = 0 ] && [ -e "$link" ]; then
        ok "net attach xdpgeneric on lo: link pinned"
    else
        fail net_attach_xdp "exit $status, link pinned: $([ -e "$link" ] && echo yes || echo no); output: $(tail_of /tmp/net_attach.out)"
    fi
    rm -f "$link"
    timeout "$EXIT_WAIT_SECONDS" rawbpf net attach tcx_ingress "$programs/netatt_tc_in" dev lo --pin-link "$link" > /tmp/net_attach.out 2>&1
    status=$?
    if version_lt "$series" "$TCX_SINCE"; then
        if [ "$status" = 1 ] && [ "$(grep -c . /tmp/net_attach.out)" = 1 ] && grep -qF "$TCX_MISSING_MATCH" /tmp/net_attach.out && [ ! -e "$link" ]; then
            ok "net attach tcx_ingress refused in one line: $(cat /tmp/net_attach.out)"
        else
            fail net_attach_tcx_missing "want exit 1 and one line with '$TCX_MISSING_MATCH', no pin; got exit $status: $(tail_of /tmp/net_attach.out)"
        fi
    elif [ "$status" = 0 ] && [ -e "$link" ]; then
        ok "net attach tcx_ingress on lo: link pinned"
    else
        fail net_attach_tcx "exit $status, link pinned: $([ -e "$link" ] && echo yes || echo no); output: $(tail_of /tmp/net_attach.out)"
    fi
    rm -f "$link"
}

# ---- Attach kinds: rawbpf prog loadall OBJ DIR autoattach, events counted into .bss globals ----------------
# The counters are read from the pinned .bss map (--pinmaps) with pinned_u64 at the offsets run.sh wrote.
global_of() { # global_of OBJECT NAME MAPDIR: the u64 value of global NAME
    offset=$(awk -v name="$2" '$1 == name { print $2 }' "/opt/rawbpf/expected/$1.bss")
    pinned_u64 "$(ls "$3"/*_bss 2>/dev/null | head -n 1)" "$offset" 2>&1
}
# Starts `rawbpf prog loadall OBJ DIR autoattach --pinmaps DIR_maps --hold` in the background ($holder) and waits
# for its "holding" line (--hold keeps perf-event attachments that kernels before 5.15 cannot pin).
start_holder() {
    object=/opt/rawbpf/artifacts/bpf/tests/$1
    pin_dir=/sys/fs/bpf/attach_${1%.bpf.o}
    holder_err=/tmp/holder-${1%.bpf.o}.err
    rawbpf prog loadall "$object" "$pin_dir" autoattach --pinmaps "${pin_dir}_maps" --hold > /dev/null 2> "$holder_err" &
    holder=$!
    waited=0
    while [ "$waited" -lt $((ATTACH_WAIT_SECONDS * 10)) ]; do
        grep -q 'holding until' "$holder_err" 2>/dev/null && return 0
        kill -0 "$holder" 2>/dev/null || break
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -KILL "$holder" 2>/dev/null
    wait_bounded "$holder" 5
    fail "attach_${1%.bpf.o}" "rawbpf prog loadall $1 autoattach --hold: not attached within ${ATTACH_WAIT_SECONDS} s (status $status): $(tail_of "$holder_err")"
    return 1
}
stop_holder() {
    kill -TERM "$holder"
    wait_bounded "$holder" "$EXIT_WAIT_SECONDS"
    [ "$status" = 0 ] || fail "attach_stop_$1" "rawbpf --hold exited $status after SIGTERM: $(tail_of "$holder_err")"
}

check_attach_kinds() {
    # kprobe + kretprobe on do_sys_openat2, ksyscall on getpid; manual_kprobe (SEC("kprobe")) is pinned as a program.
    if start_holder kprobe_counts.bpf.o; then
        for i in 1 2 3 4 5; do cat /proc/version > /dev/null; done
        kprobe_hits=$(global_of kprobe_counts.bpf.o kprobe_hits "${pin_dir}_maps")
        kretprobe_hits=$(global_of kprobe_counts.bpf.o kretprobe_hits "${pin_dir}_maps")
        wrapper=$(global_of kprobe_counts.bpf.o syscall_wrapper_seen "${pin_dir}_maps")
        links=$(rawbpf link show 2>&1)
        stop_holder kprobe
        if [ "${kprobe_hits:-0}" -ge 5 ] 2>/dev/null && [ "${kretprobe_hits:-0}" -ge 5 ] 2>/dev/null && [ -e "$pin_dir/manual_kprobe" ]; then
            ok "kprobe/kretprobe do_sys_openat2: $kprobe_hits/$kretprobe_hits hits for 5 opens; manual_kprobe pinned as a program"
        else
            fail kprobe "want >= 5 kprobe and kretprobe hits and $pin_dir/manual_kprobe; got '$kprobe_hits' '$kretprobe_hits'; $(tail_of "$holder_err")"
        fi
        echo "INFO LINUX_HAS_SYSCALL_WRAPPER as the ksyscall program saw it (2 yes, 1 no, 0 not run): $wrapper"
        echo "INFO rawbpf link show: $(echo "$links" | tr '\n' '|' | cut -c1-400)"
    fi

    # uprobe + uretprobe on rawbpf_uprobe_target() of /tmp/rawbpf_uprobe_target, 5 calls returning 1..5.
    cp /opt/rawbpf/procs/rawbpf_uprobe_target /tmp/rawbpf_uprobe_target
    if start_holder uprobe_counts.bpf.o; then
        /tmp/rawbpf_uprobe_target 5
        uprobe_hits=$(global_of uprobe_counts.bpf.o uprobe_hits "${pin_dir}_maps")
        uretprobe_hits=$(global_of uprobe_counts.bpf.o uretprobe_hits "${pin_dir}_maps")
        uretprobe_sum=$(global_of uprobe_counts.bpf.o uretprobe_sum "${pin_dir}_maps")
        stop_holder uprobe
        if [ "$uprobe_hits" = 5 ] && [ "$uretprobe_hits" = 5 ] && [ "$uretprobe_sum" = 15 ]; then
            ok "uprobe/uretprobe rawbpf_uprobe_target: 5 calls, 5 returns summing 15"
        else
            fail uprobe "want 5 uprobe hits, 5 uretprobe hits, sum 15; got '$uprobe_hits' '$uretprobe_hits' '$uretprobe_sum'; $(tail_of "$holder_err")"
        fi
    fi

    # kprobe.multi: a bpf_link (no --hold needed); a kernel without it must say which release it needs.
    pin_dir=/sys/fs/bpf/attach_kprobe_multi
    timeout "$EXIT_WAIT_SECONDS" rawbpf prog loadall /opt/rawbpf/artifacts/bpf/tests/kprobe_multi_counts.bpf.o "$pin_dir" autoattach --pinmaps "${pin_dir}_maps" > /tmp/kmulti.out 2>&1
    status=$?
    if version_lt "$series" "$KPROBE_MULTI_SINCE" || ! grep -q '^CONFIG_FPROBE=y' "/boot/config-$release"; then
        if [ "$status" = 1 ] && grep -q "kprobe.multi links (BPF_TRACE_KPROBE_MULTI): it needs Linux $KPROBE_MULTI_SINCE" /tmp/kmulti.out && [ ! -e "$pin_dir" ]; then
            ok "kprobe.multi on $series: $(cat /tmp/kmulti.out)"
        else
            fail kprobe_multi_error "kernel $series (no kprobe.multi): want exit 1 naming Linux $KPROBE_MULTI_SINCE and nothing pinned; got exit $status: $(tail_of /tmp/kmulti.out)"
        fi
    else
        cat /proc/version > /dev/null
        multi_hits=$(global_of kprobe_multi_counts.bpf.o multi_hits "${pin_dir}_maps")
        if [ "$status" = 0 ] && [ "${multi_hits:-0}" -ge 1 ] 2>/dev/null; then
            ok "kprobe.multi: $multi_hits hits"
        else
            fail kprobe_multi "want exit 0 and hits; got exit $status, hits '$multi_hits': $(tail_of /tmp/kmulti.out)"
        fi
    fi
    rm -rf "$pin_dir" "${pin_dir}_maps"

    # fentry/fexit (trampolines; lsm counts only where the bpf LSM is active).
    pin_dir=/sys/fs/bpf/attach_fentry
    timeout "$EXIT_WAIT_SECONDS" rawbpf prog loadall /opt/rawbpf/artifacts/bpf/tests/fentry_counts.bpf.o "$pin_dir" autoattach --pinmaps "${pin_dir}_maps" > /tmp/fentry.out 2>&1
    status=$?
    cat /proc/version > /dev/null
    fentry_hits=$(global_of fentry_counts.bpf.o fentry_hits "${pin_dir}_maps")
    fexit_hits=$(global_of fentry_counts.bpf.o fexit_hits "${pin_dir}_maps")
    lsm_hits=$(global_of fentry_counts.bpf.o lsm_hits "${pin_dir}_maps")
    if [ "$status" = 0 ] && [ "${fentry_hits:-0}" -ge 1 ] 2>/dev/null && [ "${fexit_hits:-0}" -ge 1 ] 2>/dev/null; then
        ok "fentry/fexit do_sys_openat2: $fentry_hits/$fexit_hits hits (lsm/file_open: $lsm_hits)"
    elif [ "$(uname -m)" = aarch64 ] && [ "$status" = 1 ] && [ "$(grep -c . /tmp/fentry.out)" = 1 ] && grep -q ENOTSUPP /tmp/fentry.out; then
        # Debian's arm64 6.1 has no BPF trampoline for direct calls: the kernel's ENOTSUPP, said in one line.
        ok "fentry refused by this arm64 kernel in one line: $(cat /tmp/fentry.out)"
    else
        fail fentry "want exit 0 and fentry/fexit hits; got exit $status, '$fentry_hits' '$fexit_hits': $(tail_of /tmp/fentry.out)"
    fi
    rm -rf "$pin_dir" "${pin_dir}_maps"

    # iter/task: the pinned iterator link is readable in bpffs; pid 1 is listed.
    pin_dir=/sys/fs/bpf/attach_iter
    timeout "$EXIT_WAIT_SECONDS" rawbpf prog loadall /opt/rawbpf/artifacts/bpf/tests/iter_tasks.bpf.o "$pin_dir" autoattach > /tmp/iter.out 2>&1
    status=$?
    if [ "$status" = 0 ] && cat "$pin_dir/list_tasks" > /tmp/iter.txt 2>&1 && grep -q '^1 ' /tmp/iter.txt; then
        ok "iter/task: $(grep -c . /tmp/iter.txt) tasks listed through the pinned link"
    else
        fail iter "want exit 0 and '1 ...' read from $pin_dir/list_tasks; got exit $status: $(tail_of /tmp/iter.out) $(tail_of /tmp/iter.txt)"
    fi
    rm -rf "$pin_dir"

    # perf_event: software cpu-clock at 99 Hz on every CPU.
    if start_holder perf_event_counts.bpf.o; then
        i=0
        while [ "$i" -lt 20000 ]; do i=$((i + 1)); done
        samples=$(global_of perf_event_counts.bpf.o samples "${pin_dir}_maps")
        stop_holder perf_event
        if [ "${samples:-0}" -ge 1 ] 2>/dev/null; then
            ok "perf_event cpu-clock: $samples samples"
        else
            fail perf_event "want samples; got '$samples'; $(tail_of "$holder_err")"
        fi
    fi
}

# ---- BTF of modules: nf_conntrack's kfuncs (fd_array) and an fentry on one of them (attach_btf_obj_fd) ------
# run.sh puts nf_conntrack and what it depends on, uncompressed, in /lib/modules/<release>/ with their load order.
# XDP on lo runs kfunc_conntrack's ct_lookup for each packet of a ping; fentry_module counts the kfunc's calls.
check_module_btf() {
    modules=/lib/modules/$release
    for module in $(cat "$modules/load-order"); do
        if ! insmod "$modules/$module.ko" 2> /tmp/insmod.err; then
            fail "insmod_$module" "$(tail_of /tmp/insmod.err)"
            return
        fi
    done
    ok "modules loaded: $(tr '\n' ' ' < "$modules/load-order")"
    tests=/opt/rawbpf/artifacts/bpf/tests
    pin_dir=/sys/fs/bpf/kfunc_conntrack
    timeout "$EXIT_WAIT_SECONDS" rawbpf prog loadall "$tests/kfunc_conntrack.bpf.o" "$pin_dir" --pinmaps "${pin_dir}_maps" > /tmp/kfunc.out 2>&1
    status=$?
    if [ ! -e /sys/kernel/btf/nf_conntrack ]; then
        # No module BTF (5.10 has no CONFIG_DEBUG_INFO_BTF_MODULES): the kfuncs are in no BTF; one line naming the
        # first by name (bpf_ct_release), as libbpf resolves them.
        if [ "$status" = 1 ] && [ "$(grep -c . /tmp/kfunc.out)" = 1 ] &&
            grep -qE "extern \(func ksym\) 'bpf_(ct_release|xdp_ct_lookup)': not found in the kernel's BTF" /tmp/kfunc.out; then
            ok "kfunc of a module without module BTF, in one line: $(cat /tmp/kfunc.out)"
        else
            fail kfunc_module_missing "want exit 1 and one line naming a missing kfunc; got exit $status: $(tail_of /tmp/kfunc.out)"
        fi
        return
    fi
    # Only CAP_SYS_ADMIN may walk the kernel's BTF objects (libbpf fails there too): one line saying so.
    timeout "$EXIT_WAIT_SECONDS" $AS_BPF_USER rawbpf prog loadall "$tests/kfunc_conntrack.bpf.o" /sys/fs/bpf/kfunc_user > /tmp/kfunc_user.out 2>&1
    user_status=$?
    if [ "$user_status" = 1 ] && [ "$(grep -c . /tmp/kfunc_user.out)" = 1 ] && grep -qF "object 'kfunc_conntrack': module 'nf_conntrack': finding its BTF object needs CAP_SYS_ADMIN" /tmp/kfunc_user.out; then
        ok "kfunc of a module with CAP_BPF+CAP_PERFMON only, in one line: $(cat /tmp/kfunc_user.out)"
    else
        fail kfunc_module_user "want exit 1 and one line naming CAP_SYS_ADMIN; got exit $user_status: $(tail_of /tmp/kfunc_user.out)"
    fi
    if [ "$status" != 0 ]; then
        fail kfunc_module_load "rawbpf prog loadall kfunc_conntrack.bpf.o: exit $status: $(tail_of /tmp/kfunc.out)"
        show /tmp/kfunc.out
        return
    fi
    fentry_dir=/sys/fs/bpf/fentry_module
    timeout "$EXIT_WAIT_SECONDS" rawbpf prog loadall "$tests/fentry_module.bpf.o" "$fentry_dir" autoattach --pinmaps "${fentry_dir}_maps" > /tmp/fentry_module.out 2>&1
    fentry_status=$?
    link=/sys/fs/bpf/kfunc_xdp_link
    ip link set lo up
    timeout "$EXIT_WAIT_SECONDS" rawbpf net attach xdpgeneric "$pin_dir/ct_lookup" dev lo --pin-link "$link" > /tmp/kfunc_attach.out 2>&1
    attach_status=$?
    ping -c 3 -W 1 127.0.0.1 > /tmp/ping.out 2>&1
    rm -f "$link"
    lookups=$(global_of kfunc_conntrack.bpf.o lookups "${pin_dir}_maps")
    misses=$(global_of kfunc_conntrack.bpf.o misses "${pin_dir}_maps")
    calls=$(global_of fentry_module.bpf.o ct_lookup_calls "${fentry_dir}_maps")
    if [ "$attach_status" = 0 ] && [ "${lookups:-0}" -ge 3 ] 2>/dev/null && [ "$misses" = "$lookups" ]; then
        ok "kfuncs of nf_conntrack (module BTF, fd_array): $lookups lookups from XDP on lo, $misses said ENOENT"
    else
        fail kfunc_module "want >= 3 lookups, all misses; got attach exit $attach_status, '$lookups' '$misses': $(tail_of /tmp/kfunc_attach.out) $(tail_of /tmp/ping.out)"
    fi
    if [ "$fentry_status" = 0 ] && [ "$calls" = "$lookups" ]; then
        ok "fentry on nf_conntrack's bpf_xdp_ct_lookup (attach_btf_obj_fd): $calls calls"
    elif [ "$(uname -m)" = aarch64 ] && [ "$fentry_status" = 1 ] && [ "$(grep -c . /tmp/fentry_module.out)" = 1 ] && grep -q ENOTSUPP /tmp/fentry_module.out; then
        ok "fentry on a module function refused by this arm64 kernel in one line: $(cat /tmp/fentry_module.out)"
    else
        fail fentry_module "want exit 0 and as many calls as lookups ($lookups); got exit $fentry_status, '$calls': $(tail_of /tmp/fentry_module.out)"
    fi
    # libbpf as the oracle where the guest has bpftool (x86-64): the same translated code, the kfunc call's
    # fd_array index included (map ids aside).
    if command -v bpftool > /dev/null; then
        if bpftool prog loadall "$tests/kfunc_conntrack.bpf.o" /sys/fs/bpf/kfunc_libbpf > /tmp/bpftool.out 2>&1 &&
            bpftool prog dump xlated pinned /sys/fs/bpf/kfunc_libbpf/ct_lookup | sed 's/map\[id:[0-9]*\]/map/' > /tmp/xlated.libbpf &&
            bpftool prog dump xlated pinned "$pin_dir/ct_lookup" | sed 's/map\[id:[0-9]*\]/map/' > /tmp/xlated.rawbpf &&
            diff /tmp/xlated.libbpf /tmp/xlated.rawbpf > /tmp/xlated.diff && grep -q '(85) call' /tmp/xlated.rawbpf; then
            ok "kfunc_conntrack: translated code identical to libbpf's ($(grep -c . /tmp/xlated.rawbpf) lines)"
        else
            fail kfunc_module_libbpf "want the same xlated code as bpftool's load: $(tail_of /tmp/bpftool.out) $(tail_of /tmp/xlated.diff 6)"
        fi
        rm -rf /sys/fs/bpf/kfunc_libbpf
    fi
    rm -rf "$pin_dir" "${pin_dir}_maps" "$fentry_dir" "${fentry_dir}_maps"
}

# ---- Conformance with libbpf on this kernel: the CI subset of tests/conformance, bpftool (libbpf 1.1) as the oracle --
# run.sh copies the subset's objects (compiled on the host by tests/conformance/run.sh) to /opt/rawbpf/conformance
# on x86-64, where this machine's bpftool runs. Each is loaded by both, pinned with its maps; then what bpftool shows
# of each program (type, name, tag, gpl, sizes, number of maps, BTF) and its translated code (with line and func
# info; map ids aside), and of each map (type, name, flags, sizes, BTF; the contents of the internal data maps),
# must be the same.
# Objects that differ on these kernels for a known cause (docs/conformance.md), as "series:object".
CONFORMANCE_KNOWN=''
# The kernels compared (about 35 s each under TCG).
CONFORMANCE_SINCE='6.1'
# Hundredths of a second since boot.
uptime_cs() { sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime; }
# slot_names PIN prog|map: "key=name" for each slot of a prog array or map of maps (a lookup gives an id).
slot_names() {
    bpftool map dump pinned "$1" 2>/dev/null | awk '
        function byte(h) { return (index("0123456789abcdef", substr(h, 1, 1)) - 1) * 16 + index("0123456789abcdef", substr(h, 2, 1)) - 1 }
        /^key:/ {
            key = ""; value = 0; n = 0; in_value = 0
            for (i = 2; i <= NF; i++) {
                if ($i == "value:") { in_value = 1; continue }
                if (in_value) { bytes[++n] = $i } else { key = key $i }
            }
            for (j = n; j >= 1; j--) value = value * 256 + byte(bytes[j])
            print key, value
        }' | while read -r key id; do
        echo "$key=$(bpftool "$2" show id "$id" | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "name") print $(i + 1) }')"
    done | sort | tr '\n' ' '
}
describe_loaded() { # describe_loaded PROGDIR MAPDIR: one text per loader, ids and times left out
    for pin in $(ls "$1" 2>/dev/null | sort); do
        echo "prog $pin: $(bpftool prog show pinned "$1/$pin" | awk '{
            for (i = 1; i <= NF; i++) {
                if (NR == 1 && i == 1) continue
                if ($i == "loaded_at" || $i == "uid" || $i == "memlock") { i++; continue }
                if ($i == "btf_id") { i++; printf "btf "; continue }
                if ($i == "map_ids") { i++; printf "maps %d ", split($i, ids, ","); continue }
                printf "%s ", $i
            } }')"
        # A call to a subprogram shows its JIT address, which each load places elsewhere.
        bpftool prog dump xlated pinned "$1/$pin" | sed -e 's/map\[id:[0-9]*\]/map/g' -e 's/\(call pc[-+][0-9]*\)#0x[0-9a-f]*/\1/'
    done
    for pin in $(ls "$2" 2>/dev/null); do
        shown=$(bpftool map show pinned "$2/$pin" | awk '{
            for (i = 1; i <= NF; i++) {
                if (NR == 1 && i == 1) continue
                if ($i == "memlock") { i++; continue }
                if ($i == "btf_id") { i++; printf "btf "; continue }
                printf "%s ", $i
            } }')
        case "$shown" in
            *"name "*.*) echo "map $shown: $(bpftool map dump pinned "$2/$pin" 2>&1 | tr '\n' ' ')" ;;
            prog_array*) echo "map $shown: $(slot_names "$2/$pin" prog)" ;;
            array_of_maps* | hash_of_maps*) echo "map $shown: $(slot_names "$2/$pin" map)" ;;
            *) echo "map $shown" ;;
        esac
    done | sort
}
check_conformance() {
    objects=/opt/rawbpf/conformance
    [ -d "$objects" ] || return 0
    version_lt "$series" "$CONFORMANCE_SINCE" && return 0
    identical=0 loaded=0 refused=0 differ=0 unknown='' uncomparable=0
    : > /tmp/no_kallsyms
    for object in "$objects"/*.o; do
        name=${object##*/}
        lib=/sys/fs/bpf/conf_libbpf raw=/sys/fs/bpf/conf_rawbpf
        rm -rf "$lib" "${lib}_maps" "$raw" "${raw}_maps"
        started=$(uptime_cs)
        timeout "$EXIT_WAIT_SECONDS" bpftool prog loadall "$object" "$lib" pinmaps "${lib}_maps" > /tmp/conf_libbpf.out 2>&1
        lib_status=$?
        lib_loaded=$(uptime_cs)
        timeout "$EXIT_WAIT_SECONDS" rawbpf prog loadall "$object" "$raw" --pinmaps "${raw}_maps" > /tmp/conf_rawbpf.out 2>&1
        raw_status=$?
        raw_loaded=$(uptime_cs)
        echo "INFO conformance $name: loads took $((lib_loaded - started))0 ms (libbpf), $((raw_loaded - lib_loaded))0 ms (rawbpf)"
        verdict=''
        if [ "$lib_status" != 0 ] && [ "$raw_status" != 0 ]; then
            refused=$((refused + 1))
            echo "CONFORMANCE $name: refused by both (libbpf: $(grep -m1 -e rror -e failed /tmp/conf_libbpf.out | cut -c1-150) | rawbpf: $(head -n 1 /tmp/conf_rawbpf.out | cut -c1-150))"
        elif [ "$lib_status" != 0 ] && grep -q 'failed to pin' /tmp/conf_libbpf.out; then
            uncomparable=$((uncomparable + 1))
            echo "CONFORMANCE $name: not comparable (bpftool cannot pin the SEC(\"?...\") programs libbpf leaves unloaded)"
        elif [ "$lib_status" != 0 ]; then
            verdict="libbpf refused it ($(grep -m1 -e rror -e failed /tmp/conf_libbpf.out | cut -c1-200)), rawbpf loaded it"
        elif [ "$raw_status" != 0 ]; then
            loaded=$((loaded + 1))
            verdict="libbpf loaded it, rawbpf refused it: $(head -n 1 /tmp/conf_rawbpf.out | cut -c1-200)"
        else
            loaded=$((loaded + 1))
            # bpftool parses all of /proc/kallsyms for each dump (over a second under TCG) only to name the calls;
            # with it hidden the calls show their addresses instead, alike for both loaders.
            mount -o bind /tmp/no_kallsyms /proc/kallsyms
            describe_loaded "$lib" "${lib}_maps" > /tmp/conf_libbpf.txt
            describe_loaded "$raw" "${raw}_maps" > /tmp/conf_rawbpf.txt
            umount /proc/kallsyms
            if diff /tmp/conf_libbpf.txt /tmp/conf_rawbpf.txt > /tmp/conf.diff; then
                identical=$((identical + 1))
                echo "CONFORMANCE $name: identical ($(grep -c '^prog ' /tmp/conf_rawbpf.txt) programs, $(grep -c '^map ' /tmp/conf_rawbpf.txt) maps)"
            else
                verdict="differs: $(grep '^[-+][^-+]' /tmp/conf.diff | head -n 2 | tr '\n' '|' | cut -c1-300)"
            fi
        fi
        if [ -n "$verdict" ]; then
            differ=$((differ + 1))
            case " $CONFORMANCE_KNOWN " in
                *" $series:$name "*) echo "CONFORMANCE $name: known difference: $verdict" ;;
                *)
                    echo "CONFORMANCE $name: $verdict"
                    unknown="$unknown $name" ;;
            esac
        fi
        echo "INFO conformance $name: compared in $(($(uptime_cs) - raw_loaded))0 ms"
        rm -rf "$lib" "${lib}_maps" "$raw" "${raw}_maps"
    done
    summary="$identical of $loaded objects libbpf loads are identical; $refused refused by both; $differ differ; $uncomparable not comparable"
    if [ -z "$unknown" ]; then
        ok "conformance with libbpf on $series: $summary"
    else
        fail conformance "$summary; unexplained:$unknown"
    fi
}

# ---- The binaries start at all in this guest (libraries, loader) ------------------------------------------
check_binaries() {
    for tool in rawexitsnoop rawbpf; do
        if timeout "$EXIT_WAIT_SECONDS" "$tool" --help > /tmp/help.out 2>&1; then
            ok "$tool --help runs"
        else
            fail "${tool}_starts" "$tool --help: exit $?: $(tail_of /tmp/help.out)"
        fi
    done
}

if [ "$mode" = full ]; then
    check_binaries
    check_exitsnoop
    check_exitsnoop_pid_count
    check_exitsnoop_capabilities
    check_loadall
    check_net_attach
    check_attach_kinds
    check_module_btf
    check_conformance
fi

if [ -z "$failures" ]; then
    echo "PASS $release" > /tmp/verdict
else
    echo "FAIL $release: ${failures#; }" | cut -c1-1500 > /tmp/verdict
fi
cat /tmp/verdict
