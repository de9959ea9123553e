// SPDX-License-Identifier: GPL-2.0
/* A perf_event program counting its samples (software cpu-clock on every CPU when auto-attached). */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* bpf_get_attach_cookie arrived in 5.15: the loader fills this from its probe, the verifier drops the dead call. */
extern _Bool LINUX_HAS_BPF_COOKIE __kconfig __attribute__((weak));

__u64 samples;
__u64 last_cookie;

SEC("perf_event")
int count_samples(struct bpf_perf_event_data *ctx)
{
	if (LINUX_HAS_BPF_COOKIE)
		last_cookie = bpf_get_attach_cookie(ctx);
	__sync_fetch_and_add(&samples, 1);
	return 0;
}
