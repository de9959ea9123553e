// SPDX-License-Identifier: GPL-2.0
/*
 * A STAND-IN for rawexitsnoop, only for `tests/kernels/run.sh --stand-ins`: it proves the guest checks
 * (tests/kernels/guest-checks.sh) and artifacts/bpf/exitsnoop.bpf.o on each kernel before the real tool
 * exists. Never part of the product; libbpf (Debian's libbpf-dev, linked statically) loads the object.
 *
 * Implements the part of rawexitsnoop's interface the checks use:
 *   rawexitsnoop --json [--explain] [--pid PID] [-c N]
 * JSON lines with time, pid, tid, ppid, uid, comm, exit_code, signal, core_dumped, duration_ns, cgroup_id;
 * --explain narrates the load and attach system calls on stderr; SIGTERM/SIGINT or N records end it (exit 0).
 * Mounts tracefs when it is missing. Attaches with bpf(BPF_LINK_CREATE) on a perf event when the kernel
 * has BPF links for perf events (5.15+), else with ioctl(PERF_EVENT_IOC_SET_BPF), as rawexitsnoop must.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../../../bpf/include/exitsnoop.h"

static volatile sig_atomic_t stop_requested;
static bool explain;
static long long records_left = -1;
static long long realtime_minus_monotonic_ns;

static void on_signal(int signo)
{
	(void)signo;
	stop_requested = 1;
}

static long long clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#define EXPLAIN(...)                                                                                             \
	do {                                                                                                     \
		if (explain)                                                                                     \
			fprintf(stderr, __VA_ARGS__);                                                            \
	} while (0)

static int handle_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size < sizeof(struct exitsnoop_event) || records_left == 0)
		return 0;
	const struct exitsnoop_event *e = data;
	long long wall_ns = (long long)e->exit_time_ns + realtime_minus_monotonic_ns;
	time_t wall_s = (time_t)(wall_ns / 1000000000LL);
	struct tm tm;
	gmtime_r(&wall_s, &tm);
	int signo = e->exit_code & 0x7f;
	char comm[EXITSNOOP_COMM_LEN + 1];
	memcpy(comm, e->comm, EXITSNOOP_COMM_LEN);
	comm[EXITSNOOP_COMM_LEN] = '\0';
	for (char *c = comm; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '?';
	unsigned long long duration = e->exit_time_ns > e->process_start_ns ? e->exit_time_ns - e->process_start_ns : 0;
	printf("{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ\",\"pid\":%u,\"tid\":%u,\"ppid\":%u,\"uid\":%u,"
	       "\"comm\":\"%s\",\"exit_code\":%d,\"signal\":%d,\"core_dumped\":%s,\"duration_ns\":%llu,"
	       "\"cgroup_id\":%llu}\n",
	       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, wall_ns % 1000000000LL,
	       e->pid, e->tid, e->ppid, e->uid, comm, signo ? 0 : (e->exit_code >> 8) & 0xff, signo,
	       (e->exit_code & 0x80) ? "true" : "false", duration, (unsigned long long)e->cgroup_id);
	if (records_left > 0 && --records_left == 0)
		stop_requested = 1;
	return 0;
}

static int set_rodata_u32(struct bpf_object *obj, const char *name, __u32 value)
{
	struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
	size_t rodata_size;
	const void *image = rodata ? bpf_map__initial_value(rodata, &rodata_size) : NULL;
	const struct btf *btf = bpf_object__btf(obj);
	int sec_id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!image || sec_id < 0)
		return -ENOENT;
	const struct btf_type *sec = btf__type_by_id(btf, sec_id);
	const struct btf_var_secinfo *vars = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++) {
		const struct btf_type *var = btf__type_by_id(btf, vars[i].type);
		if (strcmp(btf__name_by_offset(btf, var->name_off), name) == 0 && vars[i].size == sizeof(value)) {
			char copy[rodata_size];
			memcpy(copy, image, rodata_size);
			memcpy(copy + vars[i].offset, &value, sizeof(value));
			return bpf_map__set_initial_value(rodata, copy, rodata_size);
		}
	}
	return -ENOENT;
}

static int read_tracepoint_id(void)
{
	const char *path = "/sys/kernel/tracing/events/sched/sched_process_exit/id";
	if (access(path, R_OK) != 0) {
		int rc = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
		EXPLAIN("mount(\"tracefs\", \"/sys/kernel/tracing\", \"tracefs\") = %d%s%s\n", rc, rc ? " " : "",
			rc ? strerror(errno) : "");
	}
	FILE *file = fopen(path, "r");
	int id = -1;
	if (!file || fscanf(file, "%d", &id) != 1)
		id = -1;
	if (file)
		fclose(file);
	return id;
}

int main(int argc, char **argv)
{
	char object_path[PATH_MAX];
	__u32 target_pid = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			puts("stand-in rawexitsnoop --json [--explain] [--pid PID] [-c N]");
			return 0;
		} else if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			continue;
		else if (strcmp(argv[i], "--explain") == 0)
			explain = true;
		else if ((strcmp(argv[i], "--pid") == 0 || strcmp(argv[i], "-p") == 0) && i + 1 < argc)
			target_pid = (__u32)strtoul(argv[++i], NULL, 10);
		else if ((strcmp(argv[i], "--count") == 0 || strcmp(argv[i], "-c") == 0) && i + 1 < argc)
			records_left = strtoll(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "stand-in rawexitsnoop: unsupported argument %s\n", argv[i]);
			return 2;
		}
	}
	/* The object next to the binary, in the repository's layout: <root>/artifacts/bin/ -> <root>/artifacts/bpf/. */
	ssize_t length = readlink("/proc/self/exe", object_path, sizeof(object_path) - 64);
	if (length <= 0)
		return 1;
	object_path[length] = '\0';
	strcpy(strrchr(object_path, '/'), "/../bpf/exitsnoop.bpf.o");

	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int rc = setrlimit(RLIMIT_MEMLOCK, &unlimited);
	EXPLAIN("setrlimit(RLIMIT_MEMLOCK, infinity) = %d\n", rc);

	struct bpf_object *obj = bpf_object__open_file(object_path, NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", object_path, strerror(errno));
		return 1;
	}
	if (set_rodata_u32(obj, "target_pid", target_pid) != 0) {
		fprintf(stderr, "target_pid not in .rodata\n");
		return 1;
	}
	/* The object's other entry point (raw_tp, for users who cannot read tracefs) stays unloaded, as rawexitsnoop does. */
	struct bpf_program *raw_entry = bpf_object__find_program_by_name(obj, "handle_exit_raw");
	if (raw_entry)
		bpf_program__set_autoload(raw_entry, false);
	int err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "load: %s\n", strerror(-err));
		return 1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "handle_exit");
	int prog_fd = bpf_program__fd(prog);
	EXPLAIN("bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_TRACEPOINT, name=\"handle_exit\"}) = %d (through libbpf)\n",
		prog_fd);

	int tracepoint_id = read_tracepoint_id();
	if (tracepoint_id < 0) {
		fprintf(stderr, "no sched/sched_process_exit id in tracefs\n");
		return 1;
	}
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = (__u64)tracepoint_id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	int perf_fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	EXPLAIN("perf_event_open({type=PERF_TYPE_TRACEPOINT, config=%d}, pid=-1, cpu=0) = %d\n", tracepoint_id, perf_fd);
	if (perf_fd < 0)
		return 1;
	int link_fd = bpf_link_create(prog_fd, perf_fd, BPF_PERF_EVENT, NULL);
	if (link_fd >= 0) {
		EXPLAIN("bpf(BPF_LINK_CREATE, {prog_fd=%d, target_fd=%d, attach_type=BPF_PERF_EVENT}) = %d\n", prog_fd,
			perf_fd, link_fd);
	} else {
		EXPLAIN("no BPF link for perf events here (%s): attaching with ioctl\n", strerror(errno));
		rc = ioctl(perf_fd, PERF_EVENT_IOC_SET_BPF, prog_fd);
		EXPLAIN("ioctl(%d, PERF_EVENT_IOC_SET_BPF, %d) = %d\n", perf_fd, prog_fd, rc);
		if (rc != 0)
			return 1;
		rc = ioctl(perf_fd, PERF_EVENT_IOC_ENABLE, 0);
		EXPLAIN("ioctl(%d, PERF_EVENT_IOC_ENABLE, 0) = %d\n", perf_fd, rc);
		if (rc != 0)
			return 1;
	}

	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")), handle_event, NULL, NULL);
	if (!rb)
		return 1;
	struct sigaction action = { .sa_handler = on_signal };
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	realtime_minus_monotonic_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	while (!stop_requested) {
		err = ring_buffer__poll(rb, 100);
		fflush(stdout);
		if (err < 0 && err != -EINTR)
			return 1;
	}
	if (records_left != 0)
		ring_buffer__consume(rb);
	fflush(stdout);
	return 0;
}
