// SPDX-License-Identifier: GPL-2.0
/*
 * CO-RE cases the shared test programs leave out, for comparing RawBpf's engine with libbpf 1.1: poisoned
 * instructions (ALU, LDX), loads whose field changed size (allowed for unsigned integers, poisoned for
 * signed ones), FIELD_SIGNED of enum fields, array elements, a subprogram (64-bit enum values and ldimm64:
 * core_enum64.bpf.c). Only relocation matters here: the verifier may well reject the program.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define PAI __attribute__((preserve_access_index))

struct signal_struct___x {
	__u64 flags;           /* kernel: unsigned int: a DW load becomes a W load */
	int nr_threads;        /* kernel: int, same size */
} PAI;

struct task_struct___x {
	__u64 pid;             /* kernel: pid_t (signed int): the load cannot shrink, it is poisoned */
	int tgid;
	char comm[16];
	int rawbpf_missing;    /* no kernel has it: guarded uses are poisoned */
	struct signal_struct___x *signal;
} PAI;

enum bpf_map_type___x { BPF_MAP_TYPE_HASH___x = 1 };
enum perf_event_state___x { PERF_EVENT_STATE_ACTIVE___x = 1 };

struct bpf_map___x {
	enum bpf_map_type___x map_type;    /* kernel: an unsigned enum */
	__u32 key_size;
} PAI;

struct perf_event___x {
	enum perf_event_state___x state;   /* kernel: a signed enum */
} PAI;

char LICENSE[] SEC("license") = "GPL";

__u64 out[32];

/* A subprogram in .text: its relocations belong to section .text, applied before it is linked in. */
static __attribute__((noinline)) int subprog_tgid(struct task_struct___x *task)
{
	return BPF_CORE_READ(task, tgid) + bpf_core_field_size(task->comm);
}

SEC("raw_tp/sys_enter")
int core_extra(void *ctx)
{
	struct task_struct___x *task = (void *)bpf_get_current_task();

	if (bpf_core_field_exists(task->rawbpf_missing))
		out[0] = bpf_core_field_offset(task->rawbpf_missing);
	if (bpf_core_field_exists(task->rawbpf_missing))
		out[1] = BPF_CORE_READ(task, rawbpf_missing);
	out[2] = task->pid;                 /* LDX, size change of a signed field: poisoned */
	out[3] = task->tgid;                /* LDX, offset patched */
	out[4] = task->signal->flags;       /* LDX, DW -> W */
	out[5] = task->signal->nr_threads;
	out[8] = __builtin_preserve_field_info(((struct bpf_map___x *)0)->map_type, BPF_FIELD_SIGNED);
	out[9] = __builtin_preserve_field_info(((struct perf_event___x *)0)->state, BPF_FIELD_SIGNED);
	out[10] = __builtin_preserve_field_info(task->comm[3], BPF_FIELD_BYTE_OFFSET);
	out[11] = __builtin_preserve_field_info(task->comm[3], BPF_FIELD_BYTE_SIZE);
	out[12] = bpf_core_field_size(struct bpf_map___x, key_size);
	out[13] = subprog_tgid(task);
	return 0;
}
