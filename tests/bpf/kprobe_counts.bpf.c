// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe, kretprobe and ksyscall programs counting into globals, for the attach tests and the kernel matrix
 * (`rawbpf prog loadall kprobe_counts.bpf.o DIR autoattach`, then read .bss). do_sys_openat2 exists since 5.6;
 * ksyscall/getpid goes through BPF_KSYSCALL, which reads the .kconfig extern LINUX_HAS_SYSCALL_WRAPPER.
 * `manual_kprobe` has no target in its section: attached by the API, it records its BPF cookie.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* bpf_get_attach_cookie arrived in 5.15: the loader fills this from its probe, the verifier drops the dead call. */
extern _Bool LINUX_HAS_BPF_COOKIE __kconfig __attribute__((weak));

__u64 kprobe_hits;
__u64 kretprobe_hits;
__u64 ksyscall_hits;
__u64 manual_hits;
__u64 manual_cookie;
__u64 syscall_wrapper_seen;

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(count_kprobe)
{
	__sync_fetch_and_add(&kprobe_hits, 1);
	return 0;
}

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(count_kretprobe, long ret)
{
	__sync_fetch_and_add(&kretprobe_hits, 1);
	return 0;
}

extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;

/* getpid takes no argument, so the macro's pt_regs pointer goes unused. */
#pragma clang diagnostic ignored "-Wunused-variable"
SEC("ksyscall/getpid")
int BPF_KSYSCALL(count_ksyscall)
{
	syscall_wrapper_seen = LINUX_HAS_SYSCALL_WRAPPER ? 2 : 1;
	__sync_fetch_and_add(&ksyscall_hits, 1);
	return 0;
}

SEC("kprobe")
int manual_kprobe(struct pt_regs *ctx)
{
	if (LINUX_HAS_BPF_COOKIE)
		manual_cookie = bpf_get_attach_cookie(ctx);
	__sync_fetch_and_add(&manual_hits, 1);
	return 0;
}
