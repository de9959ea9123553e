// SPDX-License-Identifier: GPL-2.0
/*
 * kfuncs of nf_conntrack: bpf_xdp_ct_lookup and bpf_ct_release. Built into vmlinux on the host (the call's
 * offset stays 0); a module on Debian's kernels, where the loader finds them in /sys/kernel/btf/nf_conntrack
 * and passes that module's BTF object in fd_array (the call's offset is its index, 1). Every packet looks up a
 * TCP tuple no connection has: `lookups` counts the calls, `misses` those that said -ENOENT.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define ENOENT 2

/* The kernel's struct bpf_ct_opts as Linux 6.1 has it (NF_BPF_CT_OPTS_SZ 12, still accepted by later ones). */
struct bpf_ct_opts___local {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u8 reserved[2];
};

/* Opaque here: the verifier types the returned pointer from the kernel's BTF. */
struct nf_conn {
	int unused;
};

extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *bpf_tuple, __u32 tuple__sz,
					  struct bpf_ct_opts___local *opts, __u32 opts__sz) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;

__u64 lookups;
__u64 misses;

SEC("xdp")
int ct_lookup(struct xdp_md *ctx)
{
	struct bpf_ct_opts___local opts = { .netns_id = -1, .l4proto = 6 /* IPPROTO_TCP */ };
	struct bpf_sock_tuple tuple = {};
	struct nf_conn *ct;

	tuple.ipv4.saddr = bpf_htonl(0x7f000001);
	tuple.ipv4.daddr = bpf_htonl(0x7f000001);
	tuple.ipv4.sport = bpf_htons(1);
	tuple.ipv4.dport = bpf_htons(2);
	ct = bpf_xdp_ct_lookup(ctx, &tuple, sizeof(tuple.ipv4), &opts, sizeof(opts));
	__sync_fetch_and_add(&lookups, 1);
	if (ct)
		bpf_ct_release(ct);
	else if (opts.error == -ENOENT)
		__sync_fetch_and_add(&misses, 1);
	return XDP_PASS;
}
