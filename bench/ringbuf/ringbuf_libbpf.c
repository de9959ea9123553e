// SPDX-License-Identifier: GPL-2.0
/*
 * Ring buffer throughput of libbpf's reader (ring_buffer__poll / ring_buffer__consume), the yardstick for
 * bench/RingBufferThroughput (RawBpf's RingBuffer): same producer object, same two measurements, same output.
 *   live:  producer threads call getppid() in a loop; this thread polls and consumes with the default wake-ups.
 *   drain: the ring is filled first, then one ring_buffer__consume() reads it all (the reader's own cost).
 * Usage: ringbuf_libbpf OBJECT [SECONDS=3] [PRODUCERS=1]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define DRAIN_ROUNDS 15

struct totals {
	long long records;
	unsigned long long seq_sum;
};

static atomic_bool stop;

static long long clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int handle(void *ctx, void *data, size_t size)
{
	(void)size;
	struct totals *totals = ctx;
	unsigned long long seq;
	memcpy(&seq, data, sizeof(seq));
	totals->seq_sum += seq;
	totals->records++;
	return 0;
}

static void *produce(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		getppid();
	return NULL;
}

/* clang placed `dropped` at .bss offset 0 and `produced` at 8 (llvm-objdump -t ringbuf_bench.bpf.o). */
static void counters(struct bpf_map *bss, unsigned long long *produced, unsigned long long *dropped)
{
	unsigned long long value[2] = { 0, 0 };
	int zero = 0;
	bpf_map_lookup_elem(bpf_map__fd(bss), &zero, value);
	*dropped = value[0];
	*produced = value[1];
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "artifacts/bench/ringbuf_bench.bpf.o";
	double seconds = argc > 2 ? atof(argv[2]) : 3;
	int producers = argc > 3 ? atoi(argv[3]) : 1;

	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return 1;
	unsigned int tgid = (unsigned int)getpid();
	struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
	if (bpf_map__set_initial_value(rodata, &tgid, sizeof(tgid)) || bpf_object__load(obj))
		return 1;
	if (!bpf_program__attach(bpf_object__find_program_by_name(obj, "produce")))
		return 1;
	struct bpf_map *records = bpf_object__find_map_by_name(obj, "records");
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	struct totals totals = { 0, 0 };
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(records), handle, &totals, NULL);
	if (!rb || !bss)
		return 1;

	/* live */
	unsigned long long produced_before, dropped_before, produced, dropped;
	counters(bss, &produced_before, &dropped_before);
	pthread_t threads[64];
	producers = producers < 1 ? 1 : producers > 64 ? 64 : producers;
	for (int i = 0; i < producers; i++)
		pthread_create(&threads[i], NULL, produce, NULL);
	long long cpu_before = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	long long start = clock_ns(CLOCK_MONOTONIC);
	long long end = start + (long long)(seconds * 1e9);
	while (clock_ns(CLOCK_MONOTONIC) < end)
		ring_buffer__poll(rb, 100);
	atomic_store(&stop, true);
	for (int i = 0; i < producers; i++)
		pthread_join(threads[i], NULL);
	ring_buffer__consume(rb);
	double elapsed = (clock_ns(CLOCK_MONOTONIC) - start) / 1e9;
	double cpu = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_before) / 1e9;
	counters(bss, &produced, &dropped);
	printf("libbpf live: %lld records in %.2f s: %.0f/s, consumer CPU %.3f s (%.1f ns/record), produced %llu, dropped %llu\n",
	       totals.records, elapsed, totals.records / elapsed, cpu, cpu * 1e9 / (totals.records ? totals.records : 1),
	       produced - produced_before, dropped - dropped_before);

	/* drain: 8 records of 64 ring bytes per call, filled to 3/4 so no reservation fails */
	long calls = (long)bpf_map__max_entries(records) / 64 / 8 * 3 / 4;
	double per_record[DRAIN_ROUNDS];
	int measured = 0;
	long long drained = 0;
	for (int round = 0; round < DRAIN_ROUNDS; round++) {
		for (long i = 0; i < calls; i++)
			getppid();
		totals.records = 0;
		long long before = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		int count = ring_buffer__consume(rb);
		long long cost = clock_ns(CLOCK_THREAD_CPUTIME_ID) - before;
		drained += count;
		if (round > 0) /* the first round warms the mapping's pages and the code */
			per_record[measured++] = (double)cost / (count > 0 ? count : 1);
	}
	qsort(per_record, (size_t)measured, sizeof(double), compare_double);
	counters(bss, &produced, &dropped);
	printf("libbpf drain: %lld records in %d rounds, median %.1f ns/record, best %.1f ns/record, dropped %llu\n", drained,
	       DRAIN_ROUNDS, per_record[measured / 2], per_record[0], dropped);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
