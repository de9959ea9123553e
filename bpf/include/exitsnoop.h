/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record exitsnoop.bpf.c sends through the ring buffer `events`, shared with user space.
 *
 * Fixed size (80 bytes), every field naturally aligned, padding explicit and zero, little-endian as the
 * host. User space reads it through the struct the skeleton generator makes from the object's BTF (the
 * offsets below, which the _Static_asserts pin).
 *
 *  off size type      field
 *    0    8 u64       exit_time_ns       bpf_ktime_get_ns() in the exit tracepoint (CLOCK_MONOTONIC)
 *    8    8 u64       process_start_ns   group leader's task->start_time (CLOCK_MONOTONIC, ns)
 *   16    8 u64       thread_start_ns    exiting thread's task->start_time (CLOCK_MONOTONIC, ns)
 *   24    8 u64       cgroup_id          bpf_get_current_cgroup_id() (cgroup v2 id of the exiting thread)
 *   32    4 u32       pid                tgid (process id)
 *   36    4 u32       tid                id of the exiting thread
 *   40    4 u32       ppid               real_parent->tgid
 *   44    4 u32       uid                real uid (bpf_get_current_uid_gid() low 32 bits)
 *   48    4 s32       exit_code          raw wait status, see below
 *   52    4 s32       thread_exit_code   the exiting thread's raw task->exit_code
 *   56    4 u32       flags              EXITSNOOP_FLAG_*
 *   60    4 u32       reserved           0
 *   64   16 char[16]  comm               NUL-terminated; process records: group leader's comm,
 *                                        thread records: the exiting thread's comm
 *   80              (size)
 *
 * exit_code is a wait(2) status word: (code & 0x7f) is the terminating signal (0: exited normally),
 * (code & 0x80) means a core was dumped, ((code >> 8) & 0xff) is the exit status of a normal exit.
 * For a record with EXITSNOOP_FLAG_PROCESS (the last thread of the process) it is what the parent's
 * wait() sees: signal->group_exit_code when SIGNAL_GROUP_EXIT is set (exit_group(), fatal signal, and
 * on newer kernels the last thread's plain SYS_exit: 6.18 sets it, 5.10 does not), otherwise the group
 * leader's exit_code. For any other thread record it equals thread_exit_code.
 *
 * Duration: process records use exit_time_ns - process_start_ns; thread records (trace_threads set)
 * exit_time_ns - thread_start_ns. Wall time: add (CLOCK_REALTIME - CLOCK_MONOTONIC) sampled in user space.
 */
#ifndef RAWBPF_EXITSNOOP_H
#define RAWBPF_EXITSNOOP_H

#include <linux/types.h>

#define EXITSNOOP_COMM_LEN 16

/* EXITSNOOP_FLAG_*: an enum, so the object's BTF carries the values to user space's generated skeleton. */
enum exitsnoop_flag {
	/* The last live thread of the process exited: the record stands for the whole process. */
	EXITSNOOP_FLAG_PROCESS = 0x1u,
	/* signal->flags had SIGNAL_GROUP_EXIT: exit_code came from signal->group_exit_code. */
	EXITSNOOP_FLAG_GROUP_EXIT = 0x2u,
	/* The exiting thread is the group leader (tid == pid). */
	EXITSNOOP_FLAG_LEADER = 0x4u,
	/* Set when the kernel's tracepoint has no group_dead field and signal->live decided "last thread". */
	EXITSNOOP_FLAG_LIVE_FALLBACK = 0x8u,
};

struct exitsnoop_event {
	__u64 exit_time_ns;
	__u64 process_start_ns;
	__u64 thread_start_ns;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__s32 exit_code;
	__s32 thread_exit_code;
	__u32 flags;
	__u32 reserved;
	char comm[EXITSNOOP_COMM_LEN];
};

_Static_assert(sizeof(struct exitsnoop_event) == 80, "exitsnoop_event layout");
_Static_assert(__builtin_offsetof(struct exitsnoop_event, pid) == 32, "exitsnoop_event layout");
_Static_assert(__builtin_offsetof(struct exitsnoop_event, exit_code) == 48, "exitsnoop_event layout");
_Static_assert(__builtin_offsetof(struct exitsnoop_event, comm) == 64, "exitsnoop_event layout");

#endif
