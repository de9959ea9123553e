/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types the project's BPF programs read, declared by hand with only the fields used.
 *
 * Every struct carries preserve_access_index, so clang records a CO-RE relocation for each access and the
 * loader (libbpf, or RawBpf's own CO-RE engine) rewrites offsets and sizes against the running kernel's
 * BTF (/sys/kernel/btf/vmlinux). Field order and offsets here are therefore irrelevant: correctness rests
 * on field NAMES and compatible kinds, never on the layout of the machine that built the object.
 * This is deliberately not a generated vmlinux.h.
 */
#ifndef RAWBPF_CORE_KERNEL_H
#define RAWBPF_CORE_KERNEL_H

#include <linux/types.h>

#define RAWBPF_CORE __attribute__((preserve_access_index))

typedef struct {
	int counter;
} atomic_t;

/* include/linux/sched/signal.h: shared by all threads of a process (thread group). */
struct signal_struct {
	/* Threads that have not yet passed do_exit()'s atomic_dec_and_test(): 0 once the last one has. */
	atomic_t live;
	/* The status wait(2) reports when SIGNAL_GROUP_EXIT is set in flags (exit_group, fatal signal). */
	int group_exit_code;
	unsigned int flags;
} RAWBPF_CORE;

/* Not in BTF (a #define); unchanged since 2.6 in include/linux/sched/signal.h. */
#define RAWBPF_SIGNAL_GROUP_EXIT 0x00000004

/* include/linux/sched.h */
struct task_struct {
	int exit_code;            /* this thread's do_exit() code, set before trace_sched_process_exit */
	int pid;                  /* thread id */
	int tgid;                 /* process id */
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	__u64 start_time;         /* CLOCK_MONOTONIC ns at fork, like bpf_ktime_get_ns() */
	char comm[16];
	struct signal_struct *signal;
} RAWBPF_CORE;

/*
 * The sched_process_exit tracepoint's own record, which recent kernels define (TRACE_EVENT with a
 * `bool group_dead` field; 6.18 has it, 5.10 and 6.1 do not). Older kernels have no such type: the event then uses
 * trace_event_raw_sched_process_template, so this type may only be touched behind
 * bpf_core_field_exists(), which evaluates to 0 when the type is absent.
 */
struct trace_event_raw_sched_process_exit {
	_Bool group_dead;
} RAWBPF_CORE;

#endif
