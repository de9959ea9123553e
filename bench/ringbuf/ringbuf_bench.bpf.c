// SPDX-License-Identifier: GPL-2.0
/*
 * Ring buffer throughput benchmark producer: each getppid() of process target_tgid emits RECORDS_PER_CALL
 * fixed-size records into `records` with the default wake-up policy (the kernel wakes the reader when a
 * record lands in an empty ring), the same for every reader measured. A record that finds no room is
 * counted in `dropped` (a ring buffer has no loss counter of its own).
 *
 * Record (RECORD_SIZE bytes, plus the kernel's 8-byte header): u64 seq (a global counter), u64 cpu, zeros.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define RECORD_SIZE 56 /* + 8-byte header = 64 bytes of ring per record */
#define RECORDS_PER_CALL 8

const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} records SEC(".maps");

struct bench_record {
	__u64 seq;
	__u64 cpu;
	__u8 pad[RECORD_SIZE - 16];
};

__u64 produced, dropped;

SEC("tp/syscalls/sys_enter_getppid")
int produce(void *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	for (int i = 0; i < RECORDS_PER_CALL; i++) {
		struct bench_record *record = bpf_ringbuf_reserve(&records, sizeof(*record), 0);
		if (!record) {
			__sync_fetch_and_add(&dropped, 1);
			continue;
		}
		record->seq = __sync_fetch_and_add(&produced, 1);
		record->cpu = bpf_get_smp_processor_id();
		__builtin_memset(record->pad, 0, sizeof(record->pad));
		bpf_ringbuf_submit(record, 0);
	}
	return 0;
}
