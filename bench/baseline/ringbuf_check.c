// SPDX-License-Identifier: GPL-2.0
/*
 * Oracle check of tests/bpf/ringbuf_records.bpf.o with libbpf: triggers N records (getpid), reads them
 * with ring_buffer__consume, checks every byte against the documented pattern and the .bss counters.
 * Usage: ringbuf_check [N=1000] [OBJECT]. Prints one summary line; exit code 0 when everything matched.
 * With N above what 64 KiB holds, it first triggers without reading to show reserve/output failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

struct bss {
	unsigned int next_seq;
	unsigned int pad;
	unsigned long long triggers, submitted, discarded, output_ok, reserve_failed, output_failed;
};

static unsigned long long seen, bad, next_expected_min;

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	const unsigned char *bytes = data;
	unsigned int seq, len;
	memcpy(&seq, bytes, 4);
	memcpy(&len, bytes + 4, 4);
	int ok = len == size && seq % 4 != 2 && seq >= next_expected_min;
	for (size_t i = 8; ok && i < size; i++)
		ok = bytes[i] == (unsigned char)((unsigned char)i ^ (unsigned char)(seq * 7));
	if (!ok && bad++ < 5)
		fprintf(stderr, "bad record seq %u len %u size %zu\n", seq, len, size);
	next_expected_min = seq + 1;
	seen++;
	return 0;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000;
	const char *path = argc > 2 ? argv[2] : "artifacts/bpf/tests/ringbuf_records.bpf.o";
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return 1;
	struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
	unsigned int tgid = (unsigned int)getpid();
	if (bpf_map__set_initial_value(rodata, &tgid, sizeof(tgid)) || bpf_object__load(obj))
		return 1;
	struct bpf_link *link = bpf_program__attach(bpf_object__find_program_by_name(obj, "emit_records"));
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "records")), on_record, NULL, NULL);
	if (!link || !rb)
		return 1;

	for (long i = 0; i < count; i++) {
		syscall(SYS_getpid);
		if (count <= 2000)
			ring_buffer__consume(rb); /* keep up: nothing may be lost */
	}
	ring_buffer__consume(rb);

	/* Without a skeleton, libbpf 1.1 does not map .bss: read it as the array map it is. */
	struct bss bss_value;
	const struct bss *bss = &bss_value;
	unsigned int zero = 0;
	if (bpf_map__lookup_elem(bpf_object__find_map_by_name(obj, ".bss"), &zero, sizeof(zero), &bss_value,
				 sizeof(bss_value), 0))
		return 1;

	unsigned long long expected = bss->submitted + bss->output_ok;
	printf("triggers %llu next_seq %u submitted %llu output_ok %llu discarded %llu reserve_failed %llu "
	       "output_failed %llu seen %llu bad %llu\n", bss->triggers, bss->next_seq, bss->submitted,
	       bss->output_ok, bss->discarded, bss->reserve_failed, bss->output_failed, seen, bad);
	int ok = bad == 0 && seen == expected && bss->triggers == (unsigned long long)count;
	ring_buffer__free(rb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return ok ? 0 : 1;
}
