// SPDX-License-Identifier: GPL-2.0
/*
 * struct_ops_cc.bpf.c's congestion control under a name of its own, `rawbpf_cli_cc`, for the rawbpf struct_ops
 * CLI tests: congestion-control names are global, and StructOpsTests may register `rawbpf_cc` at the same time.
 */
#include "struct_ops_cc.h"

SEC(".struct_ops")
struct tcp_congestion_ops rawbpf_cli_cc = RAWBPF_CLI_CC("rawbpf_cli_cc");
