// SPDX-License-Identifier: GPL-2.0
/*
 * 64-bit enum values, relocated through ldimm64. Built with clang-16 (BTF_KIND_ENUM64) it relocates:
 * PERF_CONTEXT_MAX becomes the kernel's (u64)-4095 and a value no kernel has poisons both ldimm64 halves.
 * Built with clang 14, which has no ENUM64 and keeps only the low 32 bits (0) in BTF, the instruction's
 * 0x100000000 disagrees with BTF and libbpf refuses the object: "unexpected insn #.. (LDIMM64) value".
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

enum perf_callchain_context___x {
	PERF_CONTEXT_MAX___x = 0x100000000ULL,
	RAWBPF_NO_SUCH_CONTEXT___x = 0x200000000ULL,
};

char LICENSE[] SEC("license") = "GPL";

__u64 out[4];

SEC("raw_tp/sys_enter")
int core_enum64(void *ctx)
{
	out[0] = bpf_core_enum_value(enum perf_callchain_context___x, PERF_CONTEXT_MAX___x);
	if (bpf_core_enum_value_exists(enum perf_callchain_context___x, RAWBPF_NO_SUCH_CONTEXT___x))
		out[1] = bpf_core_enum_value(enum perf_callchain_context___x, RAWBPF_NO_SUCH_CONTEXT___x);
	return 0;
}
