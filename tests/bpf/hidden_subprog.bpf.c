// SPDX-License-Identifier: GPL-2.0
/*
 * A __weak __hidden .text function (as libbpf's usdt.bpf.h declares bpf_usdt_arg) that writes through its pointer
 * argument without a NULL check. Verified alone, as a global function, the pointer may be NULL and the verifier
 * refuses it; the loader must give it a static BTF FUNC (libbpf's mark_btf_static), so it is verified in the
 * caller's context, where the pointer is the stack. Run once: `result` = 42.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u64 result;

__weak __hidden int store_answer(void *ctx, __u64 *out)
{
	*out = 42;
	return 0;
}

SEC("raw_tp/sys_enter")
int hidden_caller(void *ctx)
{
	__u64 value = 0;

	store_answer(ctx, &value);
	result = value;
	return 0;
}
