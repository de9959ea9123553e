// SPDX-License-Identifier: GPL-2.0
/*
 * pinned_u64 MAP HEXOFFSET: prints the u64 at byte HEXOFFSET of element 0 of the array map pinned at MAP (a
 * global in a pinned .bss map), in decimal. The guest's reader of the counters the attach checks make BPF
 * programs write: raw bpf(2), static, like bpf_probe.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long bpf(int command, union bpf_attr *attr)
{
	return syscall(__NR_bpf, command, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: pinned_u64 MAP HEXOFFSET\n");
		return 2;
	}
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)argv[1];
	long fd = bpf(BPF_OBJ_GET, &attr);
	if (fd < 0) {
		fprintf(stderr, "pinned_u64: BPF_OBJ_GET %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct bpf_map_info info;
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	if (bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) != 0) {
		fprintf(stderr, "pinned_u64: BPF_OBJ_GET_INFO_BY_FD: %s\n", strerror(errno));
		return 1;
	}
	unsigned long offset = strtoul(argv[2], NULL, 16);
	if (offset + 8 > info.value_size) {
		fprintf(stderr, "pinned_u64: offset 0x%lx is past the %u-byte value\n", offset, info.value_size);
		return 1;
	}
	unsigned char *value = calloc(1, info.value_size);
	uint32_t key = 0;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	attr.key = (uint64_t)(uintptr_t)&key;
	attr.value = (uint64_t)(uintptr_t)value;
	if (bpf(BPF_MAP_LOOKUP_ELEM, &attr) != 0) {
		fprintf(stderr, "pinned_u64: BPF_MAP_LOOKUP_ELEM: %s\n", strerror(errno));
		return 1;
	}
	uint64_t result;
	memcpy(&result, value + offset, sizeof(result));
	printf("%llu\n", (unsigned long long)result);
	return 0;
}
