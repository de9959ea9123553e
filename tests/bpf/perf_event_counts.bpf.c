// SPDX-License-Identifier: GPL-2.0
/* A perf_event program counting its samples (software cpu-clock on every CPU when auto-attached). */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u64 samples;
__u64 last_cookie;

SEC("perf_event")
int count_samples(struct bpf_perf_event_data *ctx)
{
	last_cookie = bpf_get_attach_cookie(ctx);
	__sync_fetch_and_add(&samples, 1);
	return 0;
}
