// SPDX-License-Identifier: GPL-2.0
/* A legacy map definition in SEC("maps"), which libbpf 1.x and this loader refuse. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def_legacy {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def_legacy counters SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 8,
	.max_entries = 1,
};

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp/sys_enter")
int legacy(void *ctx)
{
	int key = 0;
	return bpf_map_lookup_elem(&counters, &key) != 0;
}
