// SPDX-License-Identifier: GPL-2.0
/*
 * exitsnoop: one record per process exit (or per thread exit with trace_threads), sent through a BPF
 * ring buffer. Kernel types come from core_kernel.h and are resolved by CO-RE; helpers used are all
 * available since 5.8 (ring buffer), so the object loads on 5.10, 6.1, 6.12 and 6.18.
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

/* Filters, written by user space into .rodata before load (the verifier then prunes dead branches). */
const volatile __u32 target_pid = 0;              /* tgid to report, 0 = all */
const volatile __u32 target_uid = (__u32)-1;      /* real uid to report, (u32)-1 = all */
const volatile __u64 target_cgroup_id = 0;        /* cgroup v2 id to report, 0 = all */
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

static __always_inline bool is_last_thread(void *ctx, struct task_struct *task, __u32 tgid,
					   __u64 process_start_ns, __u32 *flags)
{
#ifndef EXITSNOOP_TEST_LIVE_FALLBACK /* a test build takes the older kernels' path on any kernel */
	struct trace_event_raw_sched_process_exit *exit_event = ctx;

	if (bpf_core_field_exists(exit_event->group_dead))
		return exit_event->group_dead;
#endif

	*flags |= EXITSNOOP_FLAG_LIVE_FALLBACK;
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return false;

	struct process_key key = { .start_time_ns = process_start_ns, .tgid = tgid };
	__u8 seen = 1;

	/* BPF_NOEXIST makes the insert atomic: only the first thread to see live == 0 reports. */
	return bpf_map_update_elem(&reported_exits, &key, &seen, BPF_NOEXIST) == 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx)
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

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	__u64 process_start_ns = BPF_CORE_READ(leader, start_time);
	__u32 flags = 0;

	if (is_last_thread(ctx, task, tgid, process_start_ns, &flags))
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
