/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The programs and the local struct of the test congestion controls (struct_ops_cc.bpf.c, struct_ops_link.bpf.c,
 * struct_ops_cli*.bpf.c): only the members they set, in another order than the kernel's struct, which the loader
 * matches by name.
 */
#pragma once

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct sock;

struct tcp_congestion_ops {
	char name[16];
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*ssthresh)(struct sock *sk);
	__u32 flags;
};

SEC("struct_ops/rawbpf_ssthresh")
__u32 BPF_PROG(rawbpf_ssthresh, struct sock *sk)
{
	return 2;
}

SEC("struct_ops/rawbpf_cong_avoid")
void BPF_PROG(rawbpf_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
}

SEC("struct_ops/rawbpf_undo_cwnd")
__u32 BPF_PROG(rawbpf_undo_cwnd, struct sock *sk)
{
	return 10;
}

/* The rawbpf struct_ops CLI tests' congestion controls: these programs, under the name given. */
#define RAWBPF_CLI_CC(cc_name) {			\
	.ssthresh = (void *)rawbpf_ssthresh,		\
	.cong_avoid = (void *)rawbpf_cong_avoid,	\
	.undo_cwnd = (void *)rawbpf_undo_cwnd,		\
	.name = cc_name,				\
}
