// SPDX-License-Identifier: GPL-2.0
/*
 * .ksyms externs, resolved by the loader against the running kernel. Program `ksyms`: a kfunc
 * (bpf_rcu_read_lock/unlock, BPF_PSEUDO_KFUNC_CALL with its vmlinux BTF id), an untyped symbol (schedule, its
 * /proc/kallsyms address) and a weak variable no kernel has (address 0). Run once under BPF_PROG_TEST_RUN:
 *   schedule_address = the address /proc/kallsyms gives schedule, missing_is_null = 1
 * Program `typed_ksym`: a typed per-CPU variable (bpf_prog_active, ldimm64 BPF_PSEUDO_BTF_ID with its vmlinux BTF
 * id). The kernel resolves its address through kallsyms, which lists data symbols only with CONFIG_KALLSYMS_ALL:
 * without it the verifier refuses, naming the variable, for libbpf and RawBpf alike.
 * `unused_knob` puts a .rodata in the object that no code reads: the loader binds it to each program anyway
 * (BPF_PROG_BIND_MAP), as libbpf does. SEC("?...") programs load only when asked: `sleepable_syscall` needs
 * BPF_F_SLEEPABLE, `dump_task` (iter/task) the attach BTF id of bpf_iter_task.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern const void schedule __ksym;
extern const int rawbpf_no_such_percpu_variable __ksym __weak;
extern const int bpf_prog_active __ksym;

const volatile __u32 unused_knob = 7;
__u64 schedule_address;
__u32 missing_is_null;
__u32 prog_active_seen;

SEC("raw_tp/sys_enter")
int ksyms(void *ctx)
{
	bpf_rcu_read_lock();
	schedule_address = (__u64)&schedule;
	missing_is_null = &rawbpf_no_such_percpu_variable == 0;
	bpf_rcu_read_unlock();
	return 0;
}

SEC("raw_tp/sys_enter")
int typed_ksym(void *ctx)
{
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	prog_active_seen = *active >= 0;
	return 0;
}

SEC("?syscall")
int sleepable_syscall(void *ctx)
{
	return 0;
}

SEC("?iter/task")
int dump_task(void *ctx)
{
	return 0;
}
