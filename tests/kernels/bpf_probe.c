// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's first check that bpf(2) works at all, independent of RawBpf: creates a one-entry array map
 * (BPF_MAP_CREATE), writes and reads back one value (BPF_MAP_UPDATE_ELEM / BPF_MAP_LOOKUP_ELEM).
 * Built statically by tests/kernels/run.sh. Prints "bpf_probe: ok ..." and exits 0, or names the failing command.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long bpf(int command, union bpf_attr *attr)
{
	return syscall(__NR_bpf, command, attr, sizeof(*attr));
}

int main(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 1;
	long map_fd = bpf(BPF_MAP_CREATE, &attr);
	if (map_fd < 0) {
		printf("bpf_probe: BPF_MAP_CREATE failed: %s\n", strerror(errno));
		return 1;
	}

	uint32_t key = 0;
	uint64_t written = 0x5241574250460a00ULL, read_back = 0;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)map_fd;
	attr.key = (uint64_t)(uintptr_t)&key;
	attr.value = (uint64_t)(uintptr_t)&written;
	if (bpf(BPF_MAP_UPDATE_ELEM, &attr) != 0) {
		printf("bpf_probe: BPF_MAP_UPDATE_ELEM failed: %s\n", strerror(errno));
		return 1;
	}
	attr.value = (uint64_t)(uintptr_t)&read_back;
	if (bpf(BPF_MAP_LOOKUP_ELEM, &attr) != 0 || read_back != written) {
		printf("bpf_probe: BPF_MAP_LOOKUP_ELEM failed or differs: %s\n", strerror(errno));
		return 1;
	}
	printf("bpf_probe: ok (array map fd %ld, value read back)\n", map_fd);
	return 0;
}
