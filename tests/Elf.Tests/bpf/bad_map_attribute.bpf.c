// SPDX-License-Identifier: GPL-2.0
/* A BTF map definition with an attribute libbpf does not know. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(bogus_attribute, 9);
	__type(key, int);
	__type(value, int);
} odd SEC(".maps");

char LICENSE[] SEC("license") = "GPL";
