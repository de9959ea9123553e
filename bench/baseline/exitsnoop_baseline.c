// SPDX-License-Identifier: GPL-2.0
/*
 * Reference loader for artifacts/bpf/exitsnoop.bpf.o written with libbpf (Debian's libbpf-dev 1.1).
 * It is the benchmark yardstick and a test oracle for rawexitsnoop, never part of the product.
 *
 * Usage: exitsnoop_baseline [-p PID] [-u UID] [-c CGROUP_PATH] [-x] [-T] [-v] [-d SECONDS] [-b RINGBUF_BYTES]
 *                           [-o OBJECT]
 *   -p  only this process (tgid)          -x  only failed exits (non-zero code or signal)
 *   -u  only this real uid                -T  one row per thread exit (adds a TID column)
 *   -c  only this cgroup v2 directory     -d  stop after SECONDS (default: until SIGINT/SIGTERM)
 *   -b  ring buffer size in bytes (power of two, multiple of the page size)
 *   -v  append the raw record fields to each row (for checking the BPF program, not a rawexitsnoop format)
 *
 * Output: exactly rawexitsnoop's table (so the two outputs compare line by line): the header
 * `TIME PID PPID EXIT_CODE DURATION_NS COMM` (with -T: `TIME PID TID PPID ...`), columns padded to widths
 * 13, 8, 8, (8,) 11, 15: local wall time HH:MM:SS.mmm of the kernel's exit timestamp, pid, (tid,) ppid, the
 * exit status (a number) or the signal name (`SIGKILL`, `SIGSEGV (core dumped)`), the age in ns (from the
 * process's start for a process record, the thread's otherwise), the comm with control characters, the
 * backslash and invalid UTF-8 written as \xHH.
 * On exit it prints `lost: N` (records the ring buffer had no room for) to stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../../bpf/include/exitsnoop.h"

static volatile sig_atomic_t stop_requested;
static __s64 realtime_minus_monotonic_ns;
static bool trace_threads;
static bool verbose;

static void on_signal(int signo)
{
	(void)signo;
	stop_requested = 1;
}

static __s64 clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (__s64)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Names as the kernel's signal numbers on x86-64; rawexitsnoop prints the same. */
static const char *const signal_names[] = {
	[1] = "SIGHUP",   [2] = "SIGINT",     [3] = "SIGQUIT",  [4] = "SIGILL",    [5] = "SIGTRAP",
	[6] = "SIGABRT",  [7] = "SIGBUS",     [8] = "SIGFPE",   [9] = "SIGKILL",   [10] = "SIGUSR1",
	[11] = "SIGSEGV", [12] = "SIGUSR2",   [13] = "SIGPIPE", [14] = "SIGALRM",  [15] = "SIGTERM",
	[16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP",  [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU",   [23] = "SIGURG",  [24] = "SIGXCPU",  [25] = "SIGXFSZ",
	[26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO",   [30] = "SIGPWR",
	[31] = "SIGSYS",
};

/* rawexitsnoop's names beyond 31: SIGRTMIN (34), SIGRTMIN+n, SIGRTMAX (64), otherwise SIG<n>. */
static int format_exit_code(__s32 status, char *out, size_t len)
{
	int signo = status & 0x7f;
	if (signo == 0)
		return snprintf(out, len, "%d", (status >> 8) & 0xff);
	const char *core = (status & 0x80) ? " (core dumped)" : "";
	if (signo < (int)(sizeof(signal_names) / sizeof(signal_names[0])) && signal_names[signo])
		return snprintf(out, len, "%s%s", signal_names[signo], core);
	if (signo == 34)
		return snprintf(out, len, "SIGRTMIN%s", core);
	if (signo > 34 && signo < 64)
		return snprintf(out, len, "SIGRTMIN+%d%s", signo - 34, core);
	if (signo == 64)
		return snprintf(out, len, "SIGRTMAX%s", core);
	return snprintf(out, len, "SIG%d%s", signo, core);
}

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code point; 0 when invalid or truncated. */
static int utf8_sequence(const unsigned char *s, size_t n, unsigned *code_point)
{
	unsigned c = s[0];
	int len;
	unsigned min;
	if (c < 0x80) {
		*code_point = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, min = 0x80, c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, min = 0x800, c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if ((size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0; /* overlong, beyond Unicode, or a surrogate */
	*code_point = c;
	return len;
}

/*
 * rawexitsnoop's comm escaping: valid UTF-8 is written as is except control characters (C0, DEL, C1) and the
 * backslash; those and every byte of invalid UTF-8 become \xHH.
 */
static size_t escape_comm(const char *comm, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)comm;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned cp = 0;
		int len = utf8_sequence(s + i, n - i, &cp);
		bool control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
		if (len > 0 && !control && cp != '\\') {
			memcpy(out + o, s + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
			continue;
		}
		for (int k = 0; k < (len > 0 ? len : 1); k++, i++) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 0xf];
		}
	}
	return o;
}

/* rawexitsnoop's column layout: each column padded to its width, and at least one space after it. */
static int pad(char *out, int written, int width)
{
	int spaces = width - written > 1 ? width - written : 1;
	memset(out, ' ', (size_t)spaces);
	return spaces;
}

#define TIME_WIDTH 13
#define ID_WIDTH 8
#define EXIT_CODE_WIDTH 11
#define DURATION_WIDTH 15

static int handle_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size < sizeof(struct exitsnoop_event))
		return 0;
	const struct exitsnoop_event *e = data;

	__s64 wall_ns = (__s64)e->exit_time_ns + realtime_minus_monotonic_ns;
	time_t wall_s = (time_t)(wall_ns / 1000000000LL);
	struct tm tm;
	localtime_r(&wall_s, &tm);

	char row[256];
	int n = snprintf(row, sizeof(row), "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)((wall_ns / 1000000LL) % 1000));
	n += pad(row + n, n, TIME_WIDTH);
	int w = snprintf(row + n, sizeof(row) - (size_t)n, "%u", e->pid);
	n += w + pad(row + n + w, w, ID_WIDTH);
	if (trace_threads) {
		w = snprintf(row + n, sizeof(row) - (size_t)n, "%u", e->tid);
		n += w + pad(row + n + w, w, ID_WIDTH);
	}
	w = snprintf(row + n, sizeof(row) - (size_t)n, "%u", e->ppid);
	n += w + pad(row + n + w, w, ID_WIDTH);
	w = format_exit_code(e->exit_code, row + n, sizeof(row) - (size_t)n);
	n += w + pad(row + n + w, w, EXIT_CODE_WIDTH);
	/* The age: from the process's start for a process record, from the thread's for a thread record. */
	__u64 start = (e->flags & EXITSNOOP_FLAG_PROCESS) ? e->process_start_ns : e->thread_start_ns;
	__u64 duration = e->exit_time_ns > start ? e->exit_time_ns - start : 0;
	w = snprintf(row + n, sizeof(row) - (size_t)n, "%llu", (unsigned long long)duration);
	n += w + pad(row + n + w, w, DURATION_WIDTH);
	n += (int)escape_comm(e->comm, strnlen(e->comm, EXITSNOOP_COMM_LEN), row + n);
	fwrite(row, 1, (size_t)n, stdout);
	if (verbose)
		printf(" pid=%u tid=%u uid=%u cgroup=%llu flags=0x%x status=0x%x thread_status=0x%x", e->pid, e->tid,
		       e->uid, (unsigned long long)e->cgroup_id, e->flags, e->exit_code, e->thread_exit_code);
	putchar('\n');
	return 0;
}

/* cgroup v2 id of a directory: its kernfs node id, which the file handle carries (as bpftool does). */
static int cgroup_id_of(const char *path, __u64 *id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} handle = { .fh.handle_bytes = sizeof(__u64) };
	int mount_id;
	if (name_to_handle_at(AT_FDCWD, path, &handle.fh, &mount_id, 0) == 0 && handle.fh.handle_bytes == 8) {
		memcpy(id, handle.fh.f_handle, sizeof(*id));
		return 0;
	}
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	*id = st.st_ino;
	return 0;
}

static int set_rodata(struct bpf_object *obj, const char *name, const void *value, size_t size)
{
	struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
	if (!rodata)
		return -ENOENT;
	/* libbpf 1.1 hands out the initial image read-only: edit a copy and set it back. */
	size_t rodata_size;
	const void *image = bpf_map__initial_value(rodata, &rodata_size);
	const struct btf *btf = bpf_object__btf(obj);
	int sec_id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!image || sec_id < 0)
		return -ENOENT;
	const struct btf_type *sec = btf__type_by_id(btf, sec_id);
	const struct btf_var_secinfo *vars = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++) {
		const struct btf_type *var = btf__type_by_id(btf, vars[i].type);
		if (strcmp(btf__name_by_offset(btf, var->name_off), name) == 0) {
			if (vars[i].size != size || vars[i].offset + size > rodata_size)
				return -EINVAL;
			char copy[rodata_size];
			memcpy(copy, image, rodata_size);
			memcpy(copy + vars[i].offset, value, size);
			return bpf_map__set_initial_value(rodata, copy, rodata_size);
		}
	}
	return -ENOENT;
}

int main(int argc, char **argv)
{
	const char *object_path = "artifacts/bpf/exitsnoop.bpf.o";
	__u32 target_pid = 0, target_uid = (__u32)-1;
	__u64 target_cgroup_id = 0;
	bool failed_only = false;
	double duration_s = 0;
	long ringbuf_bytes = 0;
	int opt;

	while ((opt = getopt(argc, argv, "p:u:c:xTvd:b:o:")) != -1) {
		switch (opt) {
		case 'p': target_pid = (__u32)strtoul(optarg, NULL, 10); break;
		case 'u': target_uid = (__u32)strtoul(optarg, NULL, 10); break;
		case 'c':
			if (cgroup_id_of(optarg, &target_cgroup_id) != 0) {
				fprintf(stderr, "cannot resolve cgroup %s: %s\n", optarg, strerror(errno));
				return 2;
			}
			break;
		case 'x': failed_only = true; break;
		case 'T': trace_threads = true; break;
		case 'v': verbose = true; break;
		case 'd': duration_s = strtod(optarg, NULL); break;
		case 'b': ringbuf_bytes = strtol(optarg, NULL, 10); break;
		case 'o': object_path = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-p PID] [-u UID] [-c CGROUP] [-x] [-T] [-v] [-d SECONDS] [-b BYTES] [-o OBJ]\n", argv[0]);
			return 2;
		}
	}

	/* Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK. */
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	setrlimit(RLIMIT_MEMLOCK, &unlimited);

	struct bpf_object *obj = bpf_object__open_file(object_path, NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", object_path, strerror(errno));
		return 1;
	}
	int err = set_rodata(obj, "target_pid", &target_pid, sizeof(target_pid));
	err = err ?: set_rodata(obj, "target_uid", &target_uid, sizeof(target_uid));
	err = err ?: set_rodata(obj, "target_cgroup_id", &target_cgroup_id, sizeof(target_cgroup_id));
	err = err ?: set_rodata(obj, "failed_only", &failed_only, sizeof(failed_only));
	err = err ?: set_rodata(obj, "trace_threads", &trace_threads, sizeof(trace_threads));
	if (!err && ringbuf_bytes > 0)
		err = bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "events"), (__u32)ringbuf_bytes);
	if (err) {
		fprintf(stderr, "setting filters: %s\n", strerror(-err));
		return 1;
	}
	/* The object's other entry point (raw_tp, for users who cannot read tracefs) stays unloaded, as rawexitsnoop does. */
	struct bpf_program *raw_entry = bpf_object__find_program_by_name(obj, "handle_exit_raw");
	if (raw_entry)
		bpf_program__set_autoload(raw_entry, false);
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "load: %s\n", strerror(-err));
		return 1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "handle_exit");
	struct bpf_link *link = bpf_program__attach(prog);
	if (!link) {
		fprintf(stderr, "attach: %s\n", strerror(errno));
		return 1;
	}
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")), handle_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "ring buffer: %s\n", strerror(errno));
		return 1;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	realtime_minus_monotonic_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	fputs(trace_threads ? "TIME         PID     TID     PPID    EXIT_CODE  DURATION_NS    COMM\n"
			    : "TIME         PID     PPID    EXIT_CODE  DURATION_NS    COMM\n",
	      stdout);
	fflush(stdout);

	__s64 deadline = duration_s > 0 ? clock_ns(CLOCK_MONOTONIC) + (__s64)(duration_s * 1e9) : 0;
	while (!stop_requested) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "poll: %s\n", strerror(-err));
			break;
		}
		fflush(stdout);
		if (deadline && clock_ns(CLOCK_MONOTONIC) >= deadline)
			break;
	}
	ring_buffer__consume(rb);
	fflush(stdout);

	/* The per-CPU `lost` counter: sum over possible CPUs. */
	int ncpus = libbpf_num_possible_cpus();
	__u64 lost_total = 0;
	if (ncpus > 0) {
		__u64 values[ncpus];
		__u32 zero = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "lost")), &zero, values) == 0)
			for (int i = 0; i < ncpus; i++)
				lost_total += values[i];
	}
	fprintf(stderr, "lost: %llu\n", (unsigned long long)lost_total);

	ring_buffer__free(rb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
}
