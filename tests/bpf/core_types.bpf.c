// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE type and enum relocations: TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE,
 * ENUMVAL_EXISTS, ENUMVAL_VALUE (uapi enum bpf_core_relo_kind 6..11).
 *
 * Local enums carry other values than the kernel's (the kernel's win), one of them a value no kernel
 * has; one targets a kernel ENUM64 (perf_callchain_context) from a 32-bit local enum. Types that exist
 * in no kernel answer 0. Run with BPF_PROG_TEST_RUN (raw_tp) or attach to raw_tp sys_enter with
 * target_tgid set; results land in .bss.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define PAI __attribute__((preserve_access_index))

struct task_struct {
	int pid;
} PAI;

struct task_struct___v2 {
	int tgid;
	int pid;
} PAI;

struct upid {
	int nr;
} PAI;

union rawbpf_no_such_union {
	int a;
	long b;
};

struct rawbpf_no_such_struct {
	int a;
};

typedef int pid_t;
typedef unsigned int rawbpf_no_such_typedef;

/* The kernel: PIDTYPE_PID 0, PIDTYPE_TGID 1, PIDTYPE_PGID 2, PIDTYPE_SID 3, PIDTYPE_MAX 4. */
enum pid_type___v2 {
	PIDTYPE_SID___v2 = 100,
	PIDTYPE_PGID___v2 = 200,
	PIDTYPE_PID___v2 = 300,
	PIDTYPE_RAWBPF_NONE___v2 = 400, /* no kernel has it */
};

/* The kernel's is an ENUM64 with values near 2^64 (PERF_CONTEXT_MAX = (u64)-4095). */
enum perf_callchain_context {
	PERF_CONTEXT_KERNEL = 1,
	PERF_CONTEXT_MAX = 2,
};

/* uapi values differ from these on purpose: the kernel's BTF gives BPF_MAP_TYPE_RINGBUF = 27. */
enum bpf_map_type___v2 {
	BPF_MAP_TYPE_RINGBUF___v2 = 1,
	BPF_MAP_TYPE_HASH___v2 = 2,
};

enum rawbpf_no_such_enum {
	RAWBPF_NO_SUCH_VALUE = 9,
};

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;

/* TYPE_ID_LOCAL: ids in this object's .BTF */
__u64 local_id_task_struct, local_id_task_struct_v2, local_id_pid_type_v2;
/* TYPE_ID_TARGET: ids in the kernel's BTF (0 when absent) */
__u64 target_id_task_struct, target_id_task_struct_v2, target_id_pid_t, target_id_missing_struct;
/* TYPE_EXISTS */
__u64 exists_task_struct, exists_task_struct_v2, exists_upid, exists_pid_t, exists_pid_type_v2;
__u64 exists_missing_struct, exists_missing_union, exists_missing_typedef, exists_missing_enum;
/* TYPE_SIZE */
__u64 size_task_struct, size_upid, size_pid_t, size_pid_type_v2, size_perf_callchain_context;
/* ENUMVAL_EXISTS */
__u64 enum_exists_sid, enum_exists_none, enum_exists_ringbuf, enum_exists_missing_enum;
/* ENUMVAL_VALUE */
__u64 enum_value_sid, enum_value_pgid, enum_value_pid, enum_value_ringbuf, enum_value_hash;
__u64 enum_value_perf_context_max, enum_value_perf_context_kernel;
__u64 runs;

SEC("raw_tp/sys_enter")
int core_types(void *ctx)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;

	local_id_task_struct = bpf_core_type_id_local(struct task_struct);
	local_id_task_struct_v2 = bpf_core_type_id_local(struct task_struct___v2);
	local_id_pid_type_v2 = bpf_core_type_id_local(enum pid_type___v2);

	target_id_task_struct = bpf_core_type_id_kernel(struct task_struct);
	target_id_task_struct_v2 = bpf_core_type_id_kernel(struct task_struct___v2);
	target_id_pid_t = bpf_core_type_id_kernel(pid_t);
	target_id_missing_struct = bpf_core_type_id_kernel(struct rawbpf_no_such_struct);

	exists_task_struct = bpf_core_type_exists(struct task_struct);
	exists_task_struct_v2 = bpf_core_type_exists(struct task_struct___v2);
	exists_upid = bpf_core_type_exists(struct upid);
	exists_pid_t = bpf_core_type_exists(pid_t);
	exists_pid_type_v2 = bpf_core_type_exists(enum pid_type___v2);
	exists_missing_struct = bpf_core_type_exists(struct rawbpf_no_such_struct);
	exists_missing_union = bpf_core_type_exists(union rawbpf_no_such_union);
	exists_missing_typedef = bpf_core_type_exists(rawbpf_no_such_typedef);
	exists_missing_enum = bpf_core_type_exists(enum rawbpf_no_such_enum);

	size_task_struct = bpf_core_type_size(struct task_struct);
	size_upid = bpf_core_type_size(struct upid);
	size_pid_t = bpf_core_type_size(pid_t);
	size_pid_type_v2 = bpf_core_type_size(enum pid_type___v2);
	size_perf_callchain_context = bpf_core_type_size(enum perf_callchain_context);

	enum_exists_sid = bpf_core_enum_value_exists(enum pid_type___v2, PIDTYPE_SID___v2);
	enum_exists_none = bpf_core_enum_value_exists(enum pid_type___v2, PIDTYPE_RAWBPF_NONE___v2);
	enum_exists_ringbuf = bpf_core_enum_value_exists(enum bpf_map_type___v2, BPF_MAP_TYPE_RINGBUF___v2);
	enum_exists_missing_enum = bpf_core_enum_value_exists(enum rawbpf_no_such_enum, RAWBPF_NO_SUCH_VALUE);

	enum_value_sid = bpf_core_enum_value(enum pid_type___v2, PIDTYPE_SID___v2);
	enum_value_pgid = bpf_core_enum_value(enum pid_type___v2, PIDTYPE_PGID___v2);
	enum_value_pid = bpf_core_enum_value(enum pid_type___v2, PIDTYPE_PID___v2);
	enum_value_ringbuf = bpf_core_enum_value(enum bpf_map_type___v2, BPF_MAP_TYPE_RINGBUF___v2);
	enum_value_hash = bpf_core_enum_value(enum bpf_map_type___v2, BPF_MAP_TYPE_HASH___v2);
	enum_value_perf_context_max = bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_MAX);
	enum_value_perf_context_kernel = bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_KERNEL);

	runs++;
	return 0;
}
