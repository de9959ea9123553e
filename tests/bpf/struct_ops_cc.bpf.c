// SPDX-License-Identifier: GPL-2.0
/*
 * Two TCP congestion controls as struct_ops maps, sharing their programs: `rawbpf_cc` in .struct_ops (registered by
 * the map update itself) and `rawbpf_cc_lnk` in .struct_ops.link (BPF_F_LINK: registered by BPF_LINK_CREATE). The
 * local struct names only the members it sets, in another order than the kernel's: the loader matches them by
 * name and writes the kernel's layout (struct bpf_struct_ops_tcp_congestion_ops). `unused_op` is in no map: it
 * stays unloaded (libbpf 1.4+). Once registered, each name is listed in
 * /proc/sys/net/ipv4/tcp_available_congestion_control until the link is disposed.
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

SEC("struct_ops/unused_op")
__u32 BPF_PROG(unused_op, struct sock *sk)
{
	return 1;
}

SEC(".struct_ops")
struct tcp_congestion_ops rawbpf_cc = {
	.ssthresh = (void *)rawbpf_ssthresh,
	.cong_avoid = (void *)rawbpf_cong_avoid,
	.undo_cwnd = (void *)rawbpf_undo_cwnd,
	.name = "rawbpf_cc",
};

SEC(".struct_ops.link")
struct tcp_congestion_ops rawbpf_cc_lnk = {
	.ssthresh = (void *)rawbpf_ssthresh,
	.cong_avoid = (void *)rawbpf_cong_avoid,
	.undo_cwnd = (void *)rawbpf_undo_cwnd,
	.name = "rawbpf_cc_lnk",
};
