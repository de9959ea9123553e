// SPDX-License-Identifier: GPL-2.0
/*
 * Skeleton generator test: a record with nested structs, an anonymous struct, a union, arrays (of structs, 2-D),
 * bitfields (unsigned, signed, enum) and enums of three sizes; one record per getpid() of target_tgid, a copy of
 * the .data `sample` (whose initial bytes clang lays out, so a test can read them through the generated struct)
 * with seq set from the .bss counter `emitted`.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

enum shape_kind { SHAPE_CIRCLE = 1, SHAPE_SQUARE = 2, SHAPE_HUGE = 0x7fffffff };
enum __attribute__((packed)) shape_level { LEVEL_LOW = -1, LEVEL_HIGH = 100 };
enum __attribute__((packed)) shape_tag { TAG_NONE, TAG_RED = 200 };

struct point {
	__s32 x;
	__s32 y;
};

struct flag_bits {
	__u32 ready : 1;
	__u32 mode : 3;
	__s32 delta : 5;
	__u32 wide : 20;
	__u8 tail;
	enum shape_kind kind_bits : 4;
	__u64 big : 40;
};

union shape_value {
	__u64 as_u64;
	__u32 as_u32[2];
	struct point as_point;
};

struct shape_record {
	__u32 seq;
	enum shape_kind kind;
	struct point corners[2];
	union shape_value value;
	struct {
		__u16 left;
		__u16 right;
	};
	struct {
		__u8 r, g, b;
	} color;
	struct flag_bits bits;
	char label[12];
	void *ptr;
	enum shape_level level;
	enum shape_tag tag;
	__u8 matrix[2][3];
};

const volatile __u32 target_tgid = 0;

struct shape_record sample = {
	.seq = 7,
	.kind = SHAPE_SQUARE,
	.corners = { { 1, 2 }, { -3, 4 } },
	.value = { .as_u64 = 0x1122334455667788ULL },
	.left = 5,
	.right = 6,
	.color = { 10, 20, 30 },
	.bits = { .ready = 1, .mode = 5, .delta = -7, .wide = 0xabcde, .tail = 0x42, .kind_bits = SHAPE_SQUARE, .big = 0x123456789aULL },
	.label = "sample",
	.level = LEVEL_LOW,
	.tag = TAG_RED,
	.matrix = { { 1, 2, 3 }, { 4, 5, 6 } },
};

__u64 emitted;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} shapes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, struct point);
	__type(value, struct shape_record);
} by_point SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int emit_shape(void *ctx)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	struct shape_record *record = bpf_ringbuf_reserve(&shapes, sizeof(*record), 0);
	if (!record)
		return 0;
	*record = sample;
	record->seq = emitted++;
	bpf_ringbuf_submit(record, 0);
	return 0;
}
