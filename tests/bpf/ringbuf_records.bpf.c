// SPDX-License-Identifier: GPL-2.0
/*
 * Ring buffer reader test: each getpid() from process target_tgid produces one record of a varying size
 * in `records`, cycling through every producer path, so the reader can be checked byte for byte.
 * (One record per trigger keeps the verifier's work small: the fill loops are walked once per path.)
 *
 * Record (seq = a global counter from 0; one thread of the test process triggers at a time):
 *   bytes 0..3  u32 seq
 *   bytes 4..7  u32 len      the record's full length, header included (what the ring buffer reports)
 *   bytes 8..   byte at offset i is (u8)i ^ (u8)(seq * 7)
 * How it is produced depends on seq % 4:
 *   0  bpf_ringbuf_reserve + bpf_ringbuf_submit, len = RESERVE_SIZES[(seq / 4) % 6]
 *   1  bpf_ringbuf_output, len = 8 + (seq * 52) % 1017 (any length 8..1024, not always a multiple of 4)
 *   2  bpf_ringbuf_reserve + bpf_ringbuf_discard: the reader never sees this seq
 *   3  bpf_ringbuf_reserve + bpf_ringbuf_submit(BPF_RB_FORCE_WAKEUP), len as for 0
 * A record that finds no room is counted (reserve_failed / output_failed) and its seq is skipped.
 * The map is 64 KiB, so a test can also overrun it on purpose by triggering without reading.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define SCRATCH_SIZE 1024

const volatile __u32 target_tgid = 0;             /* 0 = any process (the test sets its own) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} records SEC(".maps");

/* bpf_ringbuf_output copies from here: a record built on the stack would exceed its 512 bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[SCRATCH_SIZE]);
} scratch SEC(".maps");

struct record_header {
	__u32 seq;
	__u32 len;
};

__u32 next_seq;
__u64 triggers, submitted, discarded, output_ok, reserve_failed, output_failed;

/* Eight pattern bytes at offset 8 * word: (u8)(8 * word + j) ^ seq_byte for j = 0..7, carry-free. */
static __always_inline __u64 pattern_word(__u32 word, __u32 seq)
{
	__u64 seq_bytes = (__u64)(__u8)(seq * 7) * 0x0101010101010101ULL;
	__u64 offsets = (__u64)(__u8)(word * 8) * 0x0101010101010101ULL + 0x0706050403020100ULL;
	return offsets ^ seq_bytes;
}

/* Fills a record of SIZE bytes (a multiple of 4, known to the verifier) with header and pattern. */
#define FILL_RECORD(rec, SIZE, seq_value)                                                        \
	do {                                                                                     \
		__u64 *words = (__u64 *)(rec);                                                   \
		((struct record_header *)(rec))->seq = (seq_value);                              \
		((struct record_header *)(rec))->len = (SIZE);                                   \
		for (__u32 w = 1; w < (SIZE) / 8; w++)                                           \
			words[w] = pattern_word(w, (seq_value));                                 \
		if ((SIZE) % 8)                                                                  \
			*(__u32 *)((char *)(rec) + (SIZE) - 4) = (__u32)pattern_word((SIZE) / 8, (seq_value)); \
	} while (0)

/* One switch arm: reserve a constant SIZE, fill, then discard (kind 2) or submit. */
#define RESERVE_CASE(INDEX, SIZE)                                                                \
	case INDEX: {                                                                            \
		void *rec = bpf_ringbuf_reserve(&records, SIZE, 0);                              \
		if (!rec) {                                                                      \
			reserve_failed++;                                                        \
			return;                                                                  \
		}                                                                                \
		FILL_RECORD(rec, SIZE, seq);                                                     \
		if (kind == 2) {                                                                 \
			bpf_ringbuf_discard(rec, 0);                                             \
			discarded++;                                                             \
		} else {                                                                         \
			bpf_ringbuf_submit(rec, kind == 3 ? BPF_RB_FORCE_WAKEUP : 0);            \
			submitted++;                                                             \
		}                                                                                \
		return;                                                                          \
	}

static __always_inline void emit_reserved(__u32 seq, __u32 kind)
{
	/* RESERVE_SIZES: bpf_ringbuf_reserve needs a size the verifier knows */
	switch ((seq / 4) % 6) {
	RESERVE_CASE(0, 8)
	RESERVE_CASE(1, 12)
	RESERVE_CASE(2, 60)
	RESERVE_CASE(3, 128)
	RESERVE_CASE(4, 1020)
	RESERVE_CASE(5, 4096)
	}
}

static __always_inline void emit_output(__u32 seq)
{
	__u32 zero = 0;
	__u8 *buffer = bpf_map_lookup_elem(&scratch, &zero);
	if (!buffer)
		return;

	__u32 len = 8 + (seq * 52) % 1017;
	__u64 *words = (__u64 *)buffer;
	for (__u32 w = 1; w < SCRATCH_SIZE / 8; w++)
		words[w] = pattern_word(w, seq);
	((struct record_header *)buffer)->seq = seq;
	((struct record_header *)buffer)->len = len;

	/* len is at most 1024 already, but clang would drop a check it can prove: hide len from it. */
	barrier_var(len);
	if (len > SCRATCH_SIZE)
		return;
	if (bpf_ringbuf_output(&records, buffer, len, 0) == 0)
		output_ok++;
	else
		output_failed++;
}

SEC("tp/syscalls/sys_enter_getpid")
int emit_records(void *ctx)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;

	triggers++;
	__u32 seq = next_seq++;
	__u32 kind = seq % 4;
	if (kind == 1)
		emit_output(seq);
	else
		emit_reserved(seq, kind);
	return 0;
}
