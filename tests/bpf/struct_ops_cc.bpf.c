// SPDX-License-Identifier: GPL-2.0
/*
 * A TCP congestion control as a struct_ops map: `rawbpf_cc` in .struct_ops, registered by the map update itself
 * (5.6+). The local struct names only the members it sets, in another order than the kernel's: the loader
 * matches them by name and writes the kernel's layout (struct bpf_struct_ops_tcp_congestion_ops). Once
 * registered, the name is listed in /proc/sys/net/ipv4/tcp_available_congestion_control until the link is
 * disposed. struct_ops_link.bpf.c is the same through a bpf_link.
 */
#include "struct_ops_cc.h"

SEC(".struct_ops")
struct tcp_congestion_ops rawbpf_cc = {
	.ssthresh = (void *)rawbpf_ssthresh,
	.cong_avoid = (void *)rawbpf_cong_avoid,
	.undo_cwnd = (void *)rawbpf_undo_cwnd,
	.name = "rawbpf_cc",
};
