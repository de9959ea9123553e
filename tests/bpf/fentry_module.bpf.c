// SPDX-License-Identifier: GPL-2.0
/*
 * fentry on a function of a module: bpf_xdp_ct_lookup is in nf_conntrack on Debian's kernels, so the loader finds
 * it in that module's BTF and loads the program with attach_btf_obj_fd = the module's BTF object. It counts the
 * calls kfunc_conntrack's XDP program makes. (Trampolines: the host 6.18 refuses them with EPERM.)
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 ct_lookup_calls;

SEC("fentry/bpf_xdp_ct_lookup")
int BPF_PROG(count_ct_lookup)
{
	__sync_fetch_and_add(&ct_lookup_calls, 1);
	return 0;
}
