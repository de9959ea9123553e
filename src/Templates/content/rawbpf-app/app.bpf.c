// The app's BPF program: one ring buffer record per successful execve, with the process id and name.
// clang builds it when the project builds (see RawBpfApp.csproj); RawBpf.Generator makes its typed skeleton,
// AppSkeleton, with the object embedded.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct exec_event {
	__u32 pid;
	char comm[16];
};

/* clang emits BTF only for the types of globals and functions: this unused constant puts the record's type into
 * the object, so the generated skeleton has it as a C# struct (AppSkeleton.ExecEvent). */
const struct exec_event *const exec_event_type __attribute__((unused)) = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 4096);
} events SEC(".maps");

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct exec_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);

	if (!event)
		return 0;
	event->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	bpf_ringbuf_submit(event, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
