/* BTF.ext test input: two programs, a static subprogram, CO-RE relocations of several kinds. No branch the
 * verifier could decide statically, so the kernel keeps every instruction and line as the object has them. */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___v2 {
	int pid;
	int tgid;
	struct task_struct___v2 *real_parent;
} __attribute__((preserve_access_index));

enum pid_type___local { PIDTYPE_TGID___local = 1 };

/* Globals rather than a map: the kernel inlines map lookups, which would move instructions under line info. */
__u64 total = 0;
/* Not const: the verifier would prune branches on a frozen value, and the kernel view would lose lines. */
int wanted_pid = 0;

static __attribute__((noinline)) int parent_tgid(struct task_struct___v2 *task)
{
	return BPF_CORE_READ(task, real_parent, tgid);
}

SEC("tracepoint/sched/sched_process_exit")
int on_exit(void *ctx)
{
	struct task_struct___v2 *task = (void *)bpf_get_current_task();
	int tgid = parent_tgid(task);

	if (wanted_pid && BPF_CORE_READ(task, pid) != wanted_pid)
		return 0;
	total += tgid + bpf_core_type_size(struct task_struct___v2) + bpf_core_field_exists(task->tgid)
		+ bpf_core_enum_value(enum pid_type___local, PIDTYPE_TGID___local);
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int on_fork(void *ctx)
{
	struct task_struct___v2 *task = (void *)bpf_get_current_task();

	return parent_tgid(task) + BPF_CORE_READ(task, tgid);
}

char LICENSE[] SEC("license") = "GPL";
