// SPDX-License-Identifier: GPL-2.0
/*
 * SEC("?...") programs, which a loader loads only when asked (libbpf's autoload off), each needing what its
 * section says: `sleepable_syscall` BPF_F_SLEEPABLE (the verifier refuses a syscall program without it),
 * `dump_task` (iter/task) the attach BTF id of bpf_iter_task, `typed_ksym` a typed per-CPU variable
 * (bpf_prog_active, ldimm64 BPF_PSEUDO_BTF_ID with its vmlinux BTF id). The kernel places a typed ksym through
 * kallsyms, which lists data symbols only with CONFIG_KALLSYMS_ALL: without it the verifier refuses, naming the
 * variable, for libbpf and RawBpf alike. Run once, `typed_ksym` sets prog_active_seen = 1.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern const int bpf_prog_active __ksym;

__u32 prog_active_seen;

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

SEC("?raw_tp/sys_enter")
int typed_ksym(void *ctx)
{
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	prog_active_seen = *active >= 0;
	return 0;
}
