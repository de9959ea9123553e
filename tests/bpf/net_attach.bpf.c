// SPDX-License-Identifier: GPL-2.0
/*
 * One program per networking attach kind, each counting the events it sees into its own .bss global; every
 * program lets the packet, socket or connection through. Loader tests attach them inside a network namespace
 * (veth pair) or a test cgroup and watch the counters rise.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u64 xdp_packets;
__u64 tc_ingress_packets;
__u64 tc_egress_packets;
__u64 cgroup_ingress_packets;
__u64 cgroup_egress_packets;
__u64 sockets_created;
__u64 connects;
__u64 filtered_packets;
__u64 lookups;

SEC("xdp")
int netatt_xdp(struct xdp_md *ctx)
{
	__sync_fetch_and_add(&xdp_packets, 1);
	return XDP_PASS;
}

/* TCX_NEXT (-1) is TC_ACT_UNSPEC for a direct-action cls_bpf filter: both hand the packet on. */
SEC("tcx/ingress")
int netatt_tc_in(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&tc_ingress_packets, 1);
	return -1;
}

SEC("tcx/egress")
int netatt_tc_eg(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&tc_egress_packets, 1);
	return -1;
}

SEC("cgroup_skb/ingress")
int netatt_skb_in(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&cgroup_ingress_packets, 1);
	return 1;
}

SEC("cgroup_skb/egress")
int netatt_skb_eg(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&cgroup_egress_packets, 1);
	return 1;
}

SEC("cgroup/sock_create")
int netatt_sock(struct bpf_sock *sk)
{
	__sync_fetch_and_add(&sockets_created, 1);
	return 1;
}

SEC("cgroup/connect4")
int netatt_conn4(struct bpf_sock_addr *ctx)
{
	__sync_fetch_and_add(&connects, 1);
	return 1;
}

/* A socket filter returns how many bytes of the packet to keep: all of them. */
SEC("socket")
int netatt_filter(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&filtered_packets, 1);
	return skb->len;
}

SEC("sk_lookup")
int netatt_lookup(struct bpf_sk_lookup *ctx)
{
	__sync_fetch_and_add(&lookups, 1);
	return SK_PASS;
}
