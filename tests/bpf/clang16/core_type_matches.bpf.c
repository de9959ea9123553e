// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE TYPE_MATCHES (uapi enum bpf_core_relo_kind 12), which needs clang >= 15: built with clang-16.
 *
 * "Matches" is stricter than "exists": same kind, every local member present in the kernel's type by
 * name with a matching type (integers: same size and signedness), every local enumerator name present.
 * Local types list fewer members than the kernel's and in another order; the ___suffix flavors are
 * stripped before the kernel's type is looked up. Run with BPF_PROG_TEST_RUN (raw_tp) or attach to
 * raw_tp sys_enter with target_tgid set; results land in .bss.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

typedef int pid_t;

struct task_struct___ok {
	pid_t tgid;                            /* other order, fewer members */
	pid_t pid;
	int exit_code;
	struct task_struct___ok *real_parent;
};

struct task_struct___wrong_int_size {
	char pid;                              /* the kernel's pid is 4 bytes */
};

struct task_struct___wrong_sign {
	unsigned int exit_code;                /* the kernel's exit_code is a signed int */
};

struct task_struct___missing_member {
	int pid;
	int rawbpf_no_such_member;
};

union task_struct___wrong_kind {           /* the kernel's task_struct is a struct */
	int pid;
};

enum pid_type___ok {                       /* a subset of the kernel's names, other values */
	PIDTYPE_SID___ok = 7,
	PIDTYPE_PID___ok = 8,
};

enum pid_type___unknown_name {
	PIDTYPE_RAWBPF_NONE = 0,
};

typedef long pid_t___wrong_size;           /* the kernel's pid_t is an int */

struct rawbpf_no_such_type {
	int a;
};

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;

__u64 matches_task_struct_ok, matches_task_struct_wrong_int_size, matches_task_struct_wrong_sign;
__u64 matches_task_struct_missing_member, matches_task_struct_wrong_kind;
__u64 matches_pid_type_ok, matches_pid_type_unknown_name;
__u64 matches_pid_t, matches_pid_t_wrong_size, matches_missing_type;
__u64 exists_task_struct_wrong_int_size; /* exists, although it does not match */
__u64 runs;

SEC("raw_tp/sys_enter")
int core_type_matches(void *ctx)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;

	matches_task_struct_ok = bpf_core_type_matches(struct task_struct___ok);
	matches_task_struct_wrong_int_size = bpf_core_type_matches(struct task_struct___wrong_int_size);
	matches_task_struct_wrong_sign = bpf_core_type_matches(struct task_struct___wrong_sign);
	matches_task_struct_missing_member = bpf_core_type_matches(struct task_struct___missing_member);
	matches_task_struct_wrong_kind = bpf_core_type_matches(union task_struct___wrong_kind);
	matches_pid_type_ok = bpf_core_type_matches(enum pid_type___ok);
	matches_pid_type_unknown_name = bpf_core_type_matches(enum pid_type___unknown_name);
	matches_pid_t = bpf_core_type_matches(pid_t);
	matches_pid_t_wrong_size = bpf_core_type_matches(pid_t___wrong_size);
	matches_missing_type = bpf_core_type_matches(struct rawbpf_no_such_type);
	exists_task_struct_wrong_int_size = bpf_core_type_exists(struct task_struct___wrong_int_size);

	runs++;
	return 0;
}
