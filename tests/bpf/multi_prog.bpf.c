// SPDX-License-Identifier: GPL-2.0
/*
 * Loader features in one object: two programs calling the same .text subprogram (BPF-to-BPF calls),
 * one also calling a global function (verified on its own), global data in .data/.rodata/.bss, maps of
 * several types in .maps (hash, array, per-CPU array, per-CPU hash, perf event array sized by the
 * loader), and .kconfig externs (LINUX_KERNEL_VERSION, CONFIG_HZ, a bool, a weak one no kernel has).
 *
 * Both programs run under BPF_PROG_TEST_RUN (raw_tp, 5.10+) or attach to raw_tp sys_enter/sys_exit
 * with target_tgid set. Expected after one run of each (see the report / tests):
 *   enter_result = data_magic ^ (0 * multiplier + 1) ; exit_result = data_magic ^ (1 * multiplier + 1)
 *   global_sum = 42, calls_total = 2, stats[0] = stats[1] = 1, hash[tgid] = 2
 *   perf_output_ret = -2 (ENOENT: no perf event in this CPU's slot)
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);   /* tgid */
	__type(value, __u64); /* calls from that process */
} calls_by_tgid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);   /* 0: prog_enter, 1: prog_exit */
	__type(value, __u64); /* calls */
} calls_by_prog SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} calls_per_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);   /* program index */
	__type(value, __u64); /* last bpf_ktime_get_ns() */
} last_call_per_cpu SEC(".maps");

/* max_entries left 0: the loader sizes it to the number of possible CPUs (as libbpf does). */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern int CONFIG_RAWBPF_NO_SUCH_OPTION __kconfig __weak;

/* .data */
__u64 data_magic = 0x1122334455667788ULL;
char data_label[8] = "rawbpf";
/* .rodata */
const volatile __u32 target_tgid = 0;
const volatile __u64 multiplier = 3;
const char rodata_greeting[] = "hello from .rodata";
/* .bss */
__u64 enter_result, exit_result, calls_total;
__s32 global_sum;
__s64 perf_output_ret = 1; /* .data until written: 1 means "not run" */
__u32 kernel_version, config_hz, config_bpf_syscall, config_missing;
char copied_greeting[sizeof(rodata_greeting)];

/* A .text subprogram both programs call: it must be relocated into each program's instructions. */
static __noinline __u64 record_call(__u32 prog_index)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, now = bpf_ktime_get_ns(), *count;

	count = bpf_map_lookup_elem(&calls_by_tgid, &tgid);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&calls_by_tgid, &tgid, &one, BPF_NOEXIST);

	count = bpf_map_lookup_elem(&calls_by_prog, &prog_index);
	if (count)
		__sync_fetch_and_add(count, 1);

	__u32 zero = 0;
	count = bpf_map_lookup_elem(&calls_per_cpu, &zero);
	if (count)
		*count += 1;
	bpf_map_update_elem(&last_call_per_cpu, &prog_index, &now, BPF_ANY);

	calls_total++;
	kernel_version = LINUX_KERNEL_VERSION;
	config_hz = CONFIG_HZ;
	config_bpf_syscall = CONFIG_BPF_SYSCALL;
	config_missing = CONFIG_RAWBPF_NO_SUCH_OPTION;
	return data_magic ^ (prog_index * multiplier + 1);
}

/* A global function: BTF linkage "global", so the verifier checks it once, apart from its callers. */
__noinline int global_add(int a, int b)
{
	return a + b;
}

SEC("raw_tp/sys_enter")
int prog_enter(void *ctx)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	enter_result = record_call(0);
	global_sum = global_add(40, 2);
	__builtin_memcpy(copied_greeting, rodata_greeting, sizeof(rodata_greeting));
	return 0;
}

SEC("raw_tp/sys_exit")
int prog_exit(void *ctx)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	exit_result = record_call(1);
	perf_output_ret = bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, data_label, sizeof(data_label));
	return 0;
}
