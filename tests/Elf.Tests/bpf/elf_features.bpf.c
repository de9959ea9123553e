// SPDX-License-Identifier: GPL-2.0
/* Object-model cases no project program has: map-in-map with static slots, prog array with static slots,
 * static and global subprograms, a callback address (BPF_PSEUDO_FUNC), static variables, a custom data
 * section, kconfig and ksym externs (a typeless ksym). Parsed by Elf.Tests; loaded by bpftool. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

int tail_target(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int (void *));
} jump_table SEC(".maps") = {
	.values = { [1] = (void *)&tail_target },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, 8);
	__uint(value_size, 16);
} sized_hash SEC(".maps");

static __u64 static_counter;              /* .bss, static */
static __u64 static_data = 7;             /* .data, static */
__u64 global_data = 42;                   /* .data, global */
__u32 custom_value SEC(".data.custom") = 5;
const volatile __u32 ro_knob = 3;

extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig __weak;
extern const void init_task __ksym __weak;

static __noinline __u64 static_helper(__u64 x)
{
	return x * static_data + static_counter;
}

__noinline int global_helper(int x)
{
	return x + 1;
}

static long loop_callback(__u32 index, void *ctx)
{
	static_counter += index;
	return 0;
}

SEC("raw_tp/sys_enter")
int tail_target(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_enter")
int entry(void *ctx)
{
	__u32 key = 0;
	void *inner = bpf_map_lookup_elem(&outer, &key);

	if (inner)
		bpf_map_lookup_elem(inner, &key);
	bpf_loop(4, loop_callback, NULL, 0);
	static_counter = static_helper(ro_knob) + global_helper(custom_value) + global_data;
	static_counter += LINUX_KERNEL_VERSION + CONFIG_HZ + (__u64)&init_task;
	bpf_map_lookup_elem(&sized_hash, &static_counter);
	bpf_tail_call(ctx, &jump_table, 1);
	return 0;
}

SEC("kprobe/do_nanosleep")
int probe(void *ctx)
{
	return global_helper(1);
}
