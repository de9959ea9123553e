// SPDX-License-Identifier: GPL-2.0
/*
 * exitsnoop: one record per process exit (or per thread exit with trace_threads), sent through a BPF
 * ring buffer. Kernel types come from core_kernel.h and are resolved by CO-RE; helpers used are all
 * available since 5.8 (ring buffer), so the object loads on 5.10, 6.1, 6.12 and 6.18.
 *
 * Two entry points share one body; user space loads one of them. handle_exit is the tracepoint
 * (tp/sched/sched_process_exit: its id comes from tracefs). handle_exit_raw is the same event as a raw
 * tracepoint, attached by name with BPF_RAW_TRACEPOINT_OPEN: no tracefs, so it serves a user with only
 * CAP_BPF + CAP_PERFMON when tracefs is unmounted or (mode 0700) unreadable.
 *
 * When is a process "exited"? do_exit() runs for every thread. It decrements signal->live with
 * atomic_dec_and_test(); the thread that takes it to zero is the last one (group_dead), and the kernel
 * calls trace_sched_process_exit() after that decrement and after setting task->exit_code (5.10, 6.1,
 * 6.18 alike). Recent kernels pass group_dead to the tracepoint itself; older ones do not, and there we
 * read signal->live, which is 0 once the last thread has decremented it. That read can also see 0 in a
 * thread that decremented earlier but reaches the tracepoint later (threads dying together after
 * exit_group), so the fallback keeps a small LRU set of processes already reported and reports once.
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "core_kernel.h"
#include "exitsnoop.h"

char LICENSE[] SEC("license") = "GPL";

/* clang emits BTF only for types something global uses, and a ring buffer record is not: these two give user
 * space's generated skeleton the record and its flags (12 bytes of .rodata, no code). */
const struct exitsnoop_event *const exitsnoop_event_type __attribute__((unused)) = 0;
const enum exitsnoop_flag exitsnoop_flag_type __attribute__((unused)) = 0;

/* Filters, written by user space into .rodata before load (the verifier then prunes dead branches). */
const volatile __u32 target_pid = 0;              /* tgid to report, 0 = all */
const volatile __u32 target_uid = (__u32)-1;      /* real uid to report, (u32)-1 = all */
const volatile __u64 target_cgroup_id = 0;        /* cgroup v2 id to report (that cgroup only), 0 = all */
const volatile bool cgroup_subtree = false;       /* only the cgroup in cgroup_filter[0] and its descendants */
const volatile bool failed_only = false;          /* only non-zero exit status (incl. signals) */
const volatile bool trace_threads = false;        /* one record per thread instead of per process */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024); /* user space may resize before creating the map */
} events SEC(".maps");

/* Records that did not fit into `events`: user space sums the per-CPU slots. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* The subtree's root for cgroup_subtree, an fd user space stores; bpf_current_task_under_cgroup() works on 5.10
 * tracing programs, where bpf_get_current_ancestor_cgroup_id() is not yet allowed (5.16+). */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

/* A process instance: tgid alone could be reused by the time an entry is looked at. */
struct process_key {
	__u64 start_time_ns;
	__u32 tgid;
	__u32 pad;
};

/* Only for kernels without group_dead in the tracepoint: processes already reported as exited. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct process_key);
	__type(value, __u8);
} reported_exits SEC(".maps");

/*
 * raw says which entry point ctx belongs to; both callers pass a constant, so each gets its own copy with the other
 * branch gone, and where the kernel passes group_dead the verifier sees the fallback below as dead code.
 */
static __always_inline bool is_last_thread(void *ctx, bool raw, struct task_struct *task, __u32 tgid,
					   __u64 process_start_ns, __u32 *flags)
{
#ifndef EXITSNOOP_TEST_LIVE_FALLBACK /* a test build takes the older kernels' path on any kernel */
	struct trace_event_raw_sched_process_exit *exit_event = ctx;

	if (raw) {
		/* The raw tracepoint gets the TP_PROTO arguments: (struct task_struct *p) before group_dead was added,
		 * (p, bool group_dead) since. The event's record gained its group_dead field in the same change (one
		 * TRACE_EVENT defines both), so that field's existence says whether args[1] is there. */
		if (bpf_core_field_exists(exit_event->group_dead))
			return ((struct bpf_raw_tracepoint_args *)ctx)->args[1] != 0;
	} else if (bpf_core_field_exists(exit_event->group_dead)) {
		return exit_event->group_dead;
	}
#endif

	*flags |= EXITSNOOP_FLAG_LIVE_FALLBACK;
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return false;

	struct process_key key = { .start_time_ns = process_start_ns, .tgid = tgid };
	__u8 seen = 1;

	/* BPF_NOEXIST makes the insert atomic: only the first thread to see live == 0 reports. */
	return bpf_map_update_elem(&reported_exits, &key, &seen, BPF_NOEXIST) == 0;
}

static __always_inline int report_exit(void *ctx, bool raw)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__u32 tid = (__u32)pid_tgid;

	if (target_pid && tgid != target_pid)
		return 0;

	__u32 uid = (__u32)bpf_get_current_uid_gid();
	if (target_uid != (__u32)-1 && uid != target_uid)
		return 0;

	__u64 cgroup_id = bpf_get_current_cgroup_id();
	if (target_cgroup_id && cgroup_id != target_cgroup_id)
		return 0;
	/* 1: under the cgroup; 0: not; < 0: no cgroup stored (cannot happen once user space set it up). */
	if (cgroup_subtree && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return 0;

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	__u64 process_start_ns = BPF_CORE_READ(leader, start_time);
	__u32 flags = 0;

	if (is_last_thread(ctx, raw, task, tgid, process_start_ns, &flags))
		flags |= EXITSNOOP_FLAG_PROCESS;
	else if (!trace_threads)
		return 0;

	__s32 thread_exit_code = BPF_CORE_READ(task, exit_code);
	__s32 exit_code = thread_exit_code;
	if (flags & EXITSNOOP_FLAG_PROCESS) {
		/* What wait_task_zombie() hands the parent: the group's code after a group exit, else the leader's. */
		if (BPF_CORE_READ(task, signal, flags) & RAWBPF_SIGNAL_GROUP_EXIT) {
			flags |= EXITSNOOP_FLAG_GROUP_EXIT;
			exit_code = BPF_CORE_READ(task, signal, group_exit_code);
		} else {
			exit_code = BPF_CORE_READ(leader, exit_code);
		}
	}

	if (failed_only && exit_code == 0)
		return 0;

	struct exitsnoop_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		__u32 zero = 0;
		__u64 *lost_count = bpf_map_lookup_elem(&lost, &zero);
		if (lost_count)
			*lost_count += 1;
		return 0;
	}

	if (tid == tgid)
		flags |= EXITSNOOP_FLAG_LEADER;

	event->exit_time_ns = bpf_ktime_get_ns();
	event->process_start_ns = process_start_ns;
	event->thread_start_ns = BPF_CORE_READ(task, start_time);
	event->cgroup_id = cgroup_id;
	event->pid = tgid;
	event->tid = tid;
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->uid = uid;
	event->exit_code = exit_code;
	event->thread_exit_code = thread_exit_code;
	event->flags = flags;
	event->reserved = 0;
	/* The process's name is its leader's; a thread record names the thread itself. */
	if ((flags & EXITSNOOP_FLAG_PROCESS) && !trace_threads)
		BPF_CORE_READ_INTO(&event->comm, leader, comm);
	else
		bpf_get_current_comm(&event->comm, sizeof(event->comm));

	bpf_ringbuf_submit(event, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	return report_exit(ctx, false);
}

SEC("raw_tp/sched_process_exit")
int handle_exit_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return report_exit(ctx, true);
}
