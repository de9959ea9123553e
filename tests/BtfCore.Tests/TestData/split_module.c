/* A stand-in kernel module for split BTF tests: compiled with -g and encoded by pahole against vmlinux. */
struct task_struct;
struct list_head;
struct rawbpf_split_thing {
	struct task_struct *task;
	struct list_head *list;
	unsigned long flags;
	int counter : 5;
	int other : 3;
	const char *name;
	enum { RAWBPF_A = -1, RAWBPF_B = 7 } mode;
	union { long l; void *p; } u;
	int (*callback)(struct rawbpf_split_thing *, ...);
};
typedef struct rawbpf_split_thing rawbpf_thing_t;
rawbpf_thing_t rawbpf_global_thing;
int rawbpf_split_func(rawbpf_thing_t *thing, unsigned int count) { return thing->counter + (int)count; }
