// SPDX-License-Identifier: GPL-2.0
/*
 * Two congestion controls in one object for `rawbpf struct_ops register`, which registers every struct_ops map:
 * `rawbpf_cli_lnk` in .struct_ops.link (BPF_F_LINK, 6.4+: registered while its bpf_link lives, so it outlasts
 * rawbpf only pinned) and `rawbpf_cli_pln` in .struct_ops (the kernel keeps it registered until it is deleted).
 */
#include "struct_ops_cc.h"

SEC(".struct_ops.link")
struct tcp_congestion_ops rawbpf_cli_lnk = RAWBPF_CLI_CC("rawbpf_cli_lnk");

SEC(".struct_ops")
struct tcp_congestion_ops rawbpf_cli_pln = RAWBPF_CLI_CC("rawbpf_cli_pln");
