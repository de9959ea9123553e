// SPDX-License-Identifier: GPL-2.0
/*
 * fentry, fexit and lsm programs counting into globals (trampolines: the host 6.18 refuses them with EPERM;
 * the kernel matrix guests run them).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct file;

__u64 fentry_hits;
__u64 fexit_hits;
__u64 lsm_hits;

SEC("fentry/do_sys_openat2")
int BPF_PROG(count_fentry)
{
	__sync_fetch_and_add(&fentry_hits, 1);
	return 0;
}

SEC("fexit/do_sys_openat2")
int BPF_PROG(count_fexit)
{
	__sync_fetch_and_add(&fexit_hits, 1);
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(count_lsm, struct file *file)
{
	__sync_fetch_and_add(&lsm_hits, 1);
	return 0;
}
