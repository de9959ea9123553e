// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE field relocations: FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_EXISTS, FIELD_SIGNED,
 * FIELD_LSHIFT_U64, FIELD_RSHIFT_U64 (uapi enum bpf_core_relo_kind 0..5).
 *
 * The local types below differ from the kernel's on purpose: flavors (___v2, stripped for matching),
 * other field order, a shorter local array (comm[8] vs the kernel's comm[16]), bitfields at other bit
 * positions, a nested struct member (se.vruntime), a flexible array indexed past element 0, a member
 * that sits inside an anonymous union locally and inside an anonymous struct in 6.18's `struct pid`,
 * a member that sits directly in the local struct but inside an anonymous struct in the kernel's
 * mm_struct, and fields/types no kernel has (only behind bpf_core_field_exists).
 *
 * Run it with BPF_PROG_TEST_RUN (raw_tp allows it since 5.10; current is then the caller), or attach it
 * to raw_tp sys_enter with target_tgid set. It writes the relocated constants and the values it read
 * from `current` through relocated offsets into .bss, for the test to compare with a libbpf run.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define PAI __attribute__((preserve_access_index))

struct upid___v2 {
	int nr;
	void *ns;
} PAI;

struct pid___v2 {
	int level;
	union {                     /* 6.18 wraps ino in an anonymous struct; here an anonymous union */
		__u64 ino;
	};
	struct upid___v2 numbers[]; /* flexible in the kernel too */
} PAI;

struct mm_struct___v2 {
	unsigned long task_size;    /* 6.18 puts every mm_struct field inside one anonymous struct */
} PAI;

struct signal_struct___v2 {
	unsigned int has_child_subreaper : 1; /* other order than the kernel's */
	unsigned int is_child_subreaper : 1;
	struct {
		int counter;
	} live;
} PAI;

struct sched_entity___v2 {
	__u64 sum_exec_runtime;
	__u64 vruntime;
} PAI;

struct task_struct___v2 {
	char comm[8];               /* kernel: char comm[16]; sizes come from the kernel */
	unsigned int sched_reset_on_fork : 1;
	unsigned int in_execve : 1;
	struct pid___v2 *thread_pid;
	struct mm_struct___v2 *mm;
	struct signal_struct___v2 *signal;
	struct sched_entity___v2 se;
	__u64 start_time;
	int exit_code;
	int tgid;
	int pid;
	long rawbpf_field_no_kernel_has;
} PAI;

/* A type with this name exists in no kernel. */
struct rawbpf_no_such_type {
	int anything;
} PAI;

/* Only recent kernels (6.18) have this type: FIELD_EXISTS answers 1 there, 0 on 6.1. */
struct trace_event_raw_sched_process_exit {
	_Bool group_dead;
} PAI;

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0; /* when attached: react only to this process; 0 = any */

/* FIELD_BYTE_OFFSET */
__u64 off_pid, off_tgid, off_comm, off_start_time, off_se_vruntime, off_thread_pid, off_mm;
__u64 off_pid_ino, off_pid_numbers1_ns, off_mm_task_size, off_signal_live_counter;
/* FIELD_BYTE_SIZE */
__u64 size_comm, size_start_time, size_pid, size_thread_pid, size_se, size_in_execve, size_pid_ino;
/* FIELD_EXISTS */
__u64 exists_tgid, exists_missing_field, exists_field_of_missing_type, exists_group_dead, exists_pid_numbers1_ns;
/* FIELD_SIGNED */
__u64 signed_exit_code, signed_start_time, signed_tgid, signed_in_execve;
/* FIELD_LSHIFT_U64 / FIELD_RSHIFT_U64 (and the byte offset/size a bitfield read uses) */
__u64 lshift_in_execve, rshift_in_execve, off_in_execve;
__u64 lshift_sched_reset_on_fork, rshift_sched_reset_on_fork;
__u64 lshift_is_child_subreaper, rshift_is_child_subreaper, off_is_child_subreaper, size_is_child_subreaper;

/* Values read from current through relocated accesses. */
__u64 runs;
__s32 read_pid, read_tgid, read_exit_code, read_thread_pid_nr, read_live;
__u64 read_start_time, read_task_size, read_in_execve, read_is_child_subreaper;
char read_comm[16];

SEC("raw_tp/sys_enter")
int core_fields(void *ctx)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;

	struct task_struct___v2 *task = (void *)bpf_get_current_task();

	off_pid = bpf_core_field_offset(struct task_struct___v2, pid);
	off_tgid = bpf_core_field_offset(struct task_struct___v2, tgid);
	off_comm = bpf_core_field_offset(struct task_struct___v2, comm);
	off_start_time = bpf_core_field_offset(struct task_struct___v2, start_time);
	off_se_vruntime = bpf_core_field_offset(struct task_struct___v2, se.vruntime);
	off_thread_pid = bpf_core_field_offset(struct task_struct___v2, thread_pid);
	off_mm = bpf_core_field_offset(struct task_struct___v2, mm);
	/* Older kernels' struct pid has no ino (5.10 has none): unguarded, that relocation fails the load. */
	if (bpf_core_field_exists(struct pid___v2, ino)) {
		off_pid_ino = bpf_core_field_offset(struct pid___v2, ino);
		size_pid_ino = bpf_core_field_size(struct pid___v2, ino);
	}
	/* 6.18's numbers[] is flexible; 5.10's is numbers[1], where index 1 exists not (FIELD_EXISTS 0). */
	exists_pid_numbers1_ns = bpf_core_field_exists(struct pid___v2, numbers[1].ns);
	if (exists_pid_numbers1_ns)
		off_pid_numbers1_ns = bpf_core_field_offset(struct pid___v2, numbers[1].ns);
	off_mm_task_size = bpf_core_field_offset(struct mm_struct___v2, task_size);
	off_signal_live_counter = bpf_core_field_offset(struct signal_struct___v2, live.counter);

	size_comm = bpf_core_field_size(struct task_struct___v2, comm);
	size_start_time = bpf_core_field_size(struct task_struct___v2, start_time);
	size_pid = bpf_core_field_size(struct task_struct___v2, pid);
	size_thread_pid = bpf_core_field_size(struct task_struct___v2, thread_pid);
	size_se = bpf_core_field_size(struct task_struct___v2, se);
	size_in_execve = bpf_core_field_size(struct task_struct___v2, in_execve);

	exists_tgid = bpf_core_field_exists(struct task_struct___v2, tgid);
	exists_missing_field = bpf_core_field_exists(struct task_struct___v2, rawbpf_field_no_kernel_has);
	exists_field_of_missing_type = bpf_core_field_exists(struct rawbpf_no_such_type, anything);
	exists_group_dead = bpf_core_field_exists(struct trace_event_raw_sched_process_exit, group_dead);

	signed_exit_code = __builtin_preserve_field_info(task->exit_code, BPF_FIELD_SIGNED);
	signed_start_time = __builtin_preserve_field_info(task->start_time, BPF_FIELD_SIGNED);
	signed_tgid = __builtin_preserve_field_info(task->tgid, BPF_FIELD_SIGNED);
	signed_in_execve = __builtin_preserve_field_info(task->in_execve, BPF_FIELD_SIGNED);

	lshift_in_execve = __builtin_preserve_field_info(task->in_execve, BPF_FIELD_LSHIFT_U64);
	rshift_in_execve = __builtin_preserve_field_info(task->in_execve, BPF_FIELD_RSHIFT_U64);
	off_in_execve = __builtin_preserve_field_info(task->in_execve, BPF_FIELD_BYTE_OFFSET);
	lshift_sched_reset_on_fork = __builtin_preserve_field_info(task->sched_reset_on_fork, BPF_FIELD_LSHIFT_U64);
	rshift_sched_reset_on_fork = __builtin_preserve_field_info(task->sched_reset_on_fork, BPF_FIELD_RSHIFT_U64);

	struct signal_struct___v2 *signal = BPF_CORE_READ(task, signal);
	lshift_is_child_subreaper = __builtin_preserve_field_info(signal->is_child_subreaper, BPF_FIELD_LSHIFT_U64);
	rshift_is_child_subreaper = __builtin_preserve_field_info(signal->is_child_subreaper, BPF_FIELD_RSHIFT_U64);
	off_is_child_subreaper = __builtin_preserve_field_info(signal->is_child_subreaper, BPF_FIELD_BYTE_OFFSET);
	size_is_child_subreaper = __builtin_preserve_field_info(signal->is_child_subreaper, BPF_FIELD_BYTE_SIZE);

	read_pid = BPF_CORE_READ(task, pid);
	read_tgid = BPF_CORE_READ(task, tgid);
	read_exit_code = BPF_CORE_READ(task, exit_code);
	read_start_time = BPF_CORE_READ(task, start_time);
	read_thread_pid_nr = BPF_CORE_READ(task, thread_pid, numbers[0].nr);
	read_task_size = BPF_CORE_READ(task, mm, task_size);
	read_live = BPF_CORE_READ(signal, live.counter);
	read_in_execve = BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
	read_is_child_subreaper = BPF_CORE_READ_BITFIELD_PROBED(signal, is_child_subreaper);
	/* The kernel's comm is 16 bytes although the local one is 8: copy what the kernel has. */
	bpf_probe_read_kernel_str(read_comm, sizeof(read_comm), &task->comm);

	runs++;
	return 0;
}
