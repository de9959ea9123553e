// SPDX-License-Identifier: GPL-2.0
/*
 * .ksyms externs, resolved by the loader against the running kernel: a kfunc (bpf_rcu_read_lock/unlock,
 * BPF_PSEUDO_KFUNC_CALL with its vmlinux BTF id), an untyped symbol (schedule, its /proc/kallsyms address) and a
 * weak variable no kernel has (address 0). Run once under BPF_PROG_TEST_RUN:
 *   schedule_address = the address /proc/kallsyms gives schedule, missing_is_null = 1
 * `unused_knob` puts a .rodata in the object that no code reads: the loader binds it to the program anyway
 * (BPF_PROG_BIND_MAP), as libbpf does.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern const void schedule __ksym;
extern const int rawbpf_no_such_percpu_variable __ksym __weak;

const volatile __u32 unused_knob = 7;
__u64 schedule_address;
__u32 missing_is_null;

SEC("raw_tp/sys_enter")
int ksyms(void *ctx)
{
	bpf_rcu_read_lock();
	schedule_address = (__u64)&schedule;
	missing_is_null = &rawbpf_no_such_percpu_variable == 0;
	bpf_rcu_read_unlock();
	return 0;
}
