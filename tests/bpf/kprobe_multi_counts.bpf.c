// SPDX-License-Identifier: GPL-2.0
/* kprobe.multi and kretprobe.multi (5.18+) over a glob of kernel functions, counting into globals. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u64 multi_hits;
__u64 multi_return_hits;

SEC("kprobe.multi/do_sys_openat2")
int count_multi(void *ctx)
{
	__sync_fetch_and_add(&multi_hits, 1);
	return 0;
}

SEC("kretprobe.multi/do_sys_open*")
int count_multi_return(void *ctx)
{
	__sync_fetch_and_add(&multi_return_hits, 1);
	return 0;
}
