// SPDX-License-Identifier: GPL-2.0
/* Relocated against target_flavors.c's BTF: two flavors put `differs` at other offsets, so libbpf refuses. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct rawbpf_ambiguous {
	int same;
	int differs;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

__u64 out[4];

SEC("raw_tp/sys_enter")
int core_ambiguous(void *ctx)
{
	out[0] = bpf_core_field_offset(struct rawbpf_ambiguous, same);
	out[1] = bpf_core_field_offset(struct rawbpf_ambiguous, differs);
	return 0;
}
