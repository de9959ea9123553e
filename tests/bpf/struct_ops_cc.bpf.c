// SPDX-License-Identifier: GPL-2.0
/*
 * A TCP congestion control as a struct_ops map: `rawbpf_cc` in .struct_ops, registered by the map update itself
 * (5.6+). The local struct names only the members it sets, in another order than the kernel's: the loader
 * matches them by name and writes the kernel's layout (struct bpf_struct_ops_tcp_congestion_ops). Once
 * registered, the name is listed in /proc/sys/net/ipv4/tcp_available_congestion_control until the link is
 * disposed. struct_ops_link.bpf.c is the same through a bpf_link.
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

SEC(".struct_ops")
struct tcp_congestion_ops rawbpf_cc = {
	.ssthresh = (void *)rawbpf_ssthresh,
	.cong_avoid = (void *)rawbpf_cong_avoid,
	.undo_cwnd = (void *)rawbpf_undo_cwnd,
	.name = "rawbpf_cc",
};
