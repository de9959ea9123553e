// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe and uretprobe on rawbpf_uprobe_target() of tests/bpf/attach/uprobe_target.c, installed at
 * /tmp/rawbpf_uprobe_target (the section names the path, as libbpf's SEC("uprobe/PATH:FUNC") does).
 * Only calls from target_tgid count when it is set. uretprobe_sum adds the function's return values.
 * `manual_uprobe` has no target in its section: attached by the API, it records its BPF cookie.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* bpf_get_attach_cookie arrived in 5.15: the loader fills this from its probe, the verifier drops the dead call. */
extern _Bool LINUX_HAS_BPF_COOKIE __kconfig __attribute__((weak));

const volatile __u32 target_tgid;

__u64 uprobe_hits;
__u64 uretprobe_hits;
__u64 uretprobe_sum;
__u64 manual_hits;
__u64 manual_cookie;

static __always_inline int wanted(void)
{
	return !target_tgid || (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("uprobe//tmp/rawbpf_uprobe_target:rawbpf_uprobe_target")
int BPF_KPROBE(count_uprobe)
{
	if (wanted())
		__sync_fetch_and_add(&uprobe_hits, 1);
	return 0;
}

SEC("uretprobe//tmp/rawbpf_uprobe_target:rawbpf_uprobe_target")
int BPF_KRETPROBE(count_uretprobe, int ret)
{
	if (wanted()) {
		__sync_fetch_and_add(&uretprobe_hits, 1);
		__sync_fetch_and_add(&uretprobe_sum, ret);
	}
	return 0;
}

SEC("uprobe")
int manual_uprobe(struct pt_regs *ctx)
{
	if (wanted()) {
		if (LINUX_HAS_BPF_COOKIE)
			manual_cookie = bpf_get_attach_cookie(ctx);
		__sync_fetch_and_add(&manual_hits, 1);
	}
	return 0;
}
