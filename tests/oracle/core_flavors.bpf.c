// SPDX-License-Identifier: GPL-2.0
/*
 * Relocated against target_flavors.c's BTF (libbpf's btf_custom_path), which has several flavors of one
 * type: candidates that agree are fine; libbpf narrows a type's cached candidate list to those that matched
 * a relocation (the third flavor, then the first), so later relocations of the type only see those.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define PAI __attribute__((preserve_access_index))

struct rawbpf_agree {
	int same;
	int only_in_second;
} PAI;

enum rawbpf_colour { RAWBPF_RED = 1, RAWBPF_BLUE = 2 };

char LICENSE[] SEC("license") = "GPL";

__u64 out[8];

SEC("raw_tp/sys_enter")
int core_flavors(void *ctx)
{
	out[0] = bpf_core_field_offset(struct rawbpf_agree, same);
	/* Only rawbpf_agree___second has it; from here on the type's candidates are that flavor alone. */
	out[1] = bpf_core_field_exists(struct rawbpf_agree, only_in_second);
	out[2] = bpf_core_type_size(struct rawbpf_agree);
	out[3] = bpf_core_enum_value(enum rawbpf_colour, RAWBPF_BLUE);
	out[4] = bpf_core_type_id_kernel(struct rawbpf_agree);
	return 0;
}
