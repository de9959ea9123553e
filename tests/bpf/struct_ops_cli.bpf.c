// SPDX-License-Identifier: GPL-2.0
/*
 * struct_ops_cc.bpf.c's congestion control under a name of its own, `rawbpf_cli_cc`, for the rawbpf struct_ops
 * CLI tests: congestion-control names are global, and StructOpsTests may register `rawbpf_cc` at the same time.
 */
#include "struct_ops_cc.h"

SEC(".struct_ops")
struct tcp_congestion_ops rawbpf_cli_cc = {
	.ssthresh = (void *)rawbpf_ssthresh,
	.cong_avoid = (void *)rawbpf_cong_avoid,
	.undo_cwnd = (void *)rawbpf_undo_cwnd,
	.name = "rawbpf_cli_cc",
};
