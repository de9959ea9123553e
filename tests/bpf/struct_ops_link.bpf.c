// SPDX-License-Identifier: GPL-2.0
/*
 * struct_ops_cc.bpf.c's congestion control in .struct_ops.link: the map has BPF_F_LINK (6.4+), its update only
 * makes it ready, and BPF_LINK_CREATE with BPF_STRUCT_OPS registers it as `rawbpf_cc_lnk`; closing the link
 * unregisters it. Older kernels refuse the map flag (EINVAL from BPF_MAP_CREATE).
 */
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

SEC(".struct_ops.link")
struct tcp_congestion_ops rawbpf_cc_lnk = {
	.ssthresh = (void *)rawbpf_ssthresh,
	.cong_avoid = (void *)rawbpf_cong_avoid,
	.undo_cwnd = (void *)rawbpf_undo_cwnd,
	.name = "rawbpf_cc_lnk",
};
