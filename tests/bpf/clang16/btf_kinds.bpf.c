// SPDX-License-Identifier: GPL-2.0
/*
 * BTF kinds older kernels lack: FLOAT (5.13), DECL_TAG (5.16), TYPE_TAG (5.17), ENUM64 and signed ENUM (6.0).
 * Built with clang-16 (clang 14 emits neither ENUM64 nor the tags). A loader must sanitize this object's BTF
 * for such kernels, as libbpf does, and the program must still load and run there.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

enum wide_value { WIDE_SMALL = 1, WIDE_BIG = 0x100000000ULL };
enum signed_value { SIGNED_NEGATIVE = -1, SIGNED_POSITIVE = 1 };

struct kinds {
	float ratio;
	int counted __attribute__((btf_decl_tag("counter")));
	int __attribute__((btf_type_tag("user"))) *user_pointer;
	enum wide_value wide;
	enum signed_value sign;
};

struct kinds kinds_seen = { .wide = WIDE_BIG, .sign = SIGNED_NEGATIVE };

SEC("raw_tp/sys_enter")
int btf_kinds(void *ctx)
{
	kinds_seen.counted++;
	return 0;
}
