// SPDX-License-Identifier: GPL-2.0
/*
 * Deliberately rejected: reads a task_struct field no kernel has WITHOUT a bpf_core_field_exists guard.
 * The CO-RE relocation finds no match, the loader poisons the instruction (call 0xbad2310) and, because
 * the read is reachable, the verifier rejects it as "invalid func unknown#195896080". A loader should
 * name the relocation instead: local type task_struct___rawbpf, access string 0:0, and the source line.
 *
 * The read goes through bpf_get_current_task_btf() (5.11+) so the relocated instruction is the load
 * itself and carries its own line_info row (clang attributes a BPF_CORE_READ's offset to the line before).
 * Built into artifacts/bpf/tests/rejected/, out of the loops that load every test object (kernel matrix).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct task_struct___rawbpf {
	long rawbpf_field_no_kernel_has;
} __attribute__((preserve_access_index));

long missing_value;

SEC("raw_tp/sys_enter")
int read_missing_field(void *ctx)
{
	struct task_struct___rawbpf *task = (void *)bpf_get_current_task_btf();

	missing_value = task->rawbpf_field_no_kernel_has; /* unguarded: poisoned */
	return 0;
}
