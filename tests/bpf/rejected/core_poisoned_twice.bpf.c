// SPDX-License-Identifier: GPL-2.0
/*
 * Deliberately rejected, with two poisoned CO-RE sites: the first read sits behind a bpf_core_field_exists
 * guard (which resolves to 0, so the verifier never reaches it), the second is unguarded. The loader must
 * name the relocation of the site the verifier rejected (rawbpf_second_field), not the first poisoned one.
 * Built into artifacts/bpf/tests/rejected/, out of the loops that load every test object (kernel matrix).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct task_struct___rawbpf {
	long rawbpf_first_field;
	long rawbpf_second_field;
} __attribute__((preserve_access_index));

long first_value;
long second_value;

SEC("raw_tp/sys_enter")
int read_two_missing_fields(void *ctx)
{
	struct task_struct___rawbpf *task = (void *)bpf_get_current_task_btf();

	if (bpf_core_field_exists(task->rawbpf_first_field))
		first_value = task->rawbpf_first_field; /* guarded: poisoned, never reached */
	second_value = task->rawbpf_second_field; /* unguarded: poisoned and rejected */
	return 0;
}
