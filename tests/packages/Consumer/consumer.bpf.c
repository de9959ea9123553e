// The package consumer's BPF side: one ring buffer record, the process id, per successful execve.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct exec_record {
	__u32 pid;
};

/* Puts the record's type into the object's BTF (clang emits BTF only for the types globals and functions use),
 * so the generated skeleton has it: ConsumerSkeleton.ExecRecord. */
const struct exec_record *const exec_record_type __attribute__((unused)) = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 4096);
} execs SEC(".maps");

SEC("tp/sched/sched_process_exec")
int count_exec(void *ctx)
{
	struct exec_record *record = bpf_ringbuf_reserve(&execs, sizeof(*record), 0);

	if (!record)
		return 0;
	record->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_submit(record, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
