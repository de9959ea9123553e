// SPDX-License-Identifier: GPL-2.0
/* uprobe.multi (6.6+) over rawbpf_uprobe_target*() of /tmp/rawbpf_uprobe_target: counts calls of target_tgid. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid;

__u64 multi_hits;

SEC("uprobe.multi//tmp/rawbpf_uprobe_target:rawbpf_uprobe_target*")
int count_uprobe_multi(void *ctx)
{
	if (!target_tgid || (bpf_get_current_pid_tgid() >> 32) == target_tgid)
		__sync_fetch_and_add(&multi_hits, 1);
	return 0;
}
