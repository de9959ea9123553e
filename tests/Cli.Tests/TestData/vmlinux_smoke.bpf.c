/* A program written the way libbpf-based tools are: kernel types from the vmlinux.h that rawbpf wrote, CO-RE reads
 * through libbpf's headers. RawbpfBtfHeaderTests compiles it with clang and loads it with libbpf and rawbpf. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

pid_t parent_tgid;
int exit_code;
unsigned int cgroup_flags;

SEC("tracepoint/sched/sched_process_exit")
int vmlinux_smoke(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	parent_tgid = BPF_CORE_READ(task, real_parent, tgid);
	exit_code = BPF_CORE_READ(task, exit_code);
	cgroup_flags = BPF_CORE_READ(task, cgroups, dfl_cgrp, flags);
	return 0;
}
