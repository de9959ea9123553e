// SPDX-License-Identifier: GPL-2.0
/*
 * struct_ops_cc.bpf.c's congestion control in .struct_ops.link: the map has BPF_F_LINK (6.4+), its update only
 * makes it ready, and BPF_LINK_CREATE with BPF_STRUCT_OPS registers it as `rawbpf_cc_lnk`; closing the link
 * unregisters it. Older kernels refuse the map flag (EINVAL from BPF_MAP_CREATE).
 */
#include "struct_ops_cc.h"

SEC(".struct_ops.link")
struct tcp_congestion_ops rawbpf_cc_lnk = {
	.ssthresh = (void *)rawbpf_ssthresh,
	.cong_avoid = (void *)rawbpf_cong_avoid,
	.undo_cwnd = (void *)rawbpf_undo_cwnd,
	.name = "rawbpf_cc_lnk",
};
