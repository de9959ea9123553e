// The package consumer's BPF side: one ring buffer record, the process id, per successful execve.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 4096);
} execs SEC(".maps");

SEC("tp/sched/sched_process_exec")
int count_exec(void *ctx)
{
	__u32 *pid = bpf_ringbuf_reserve(&execs, sizeof(*pid), 0);

	if (!pid)
		return 0;
	*pid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_submit(pid, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
