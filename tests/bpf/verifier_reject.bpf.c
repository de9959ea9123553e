// SPDX-License-Identifier: GPL-2.0
/*
 * Deliberately rejected by the verifier, for the loader's error-message test: the map lookup may return
 * NULL and the program dereferences the result unchecked. The verifier log (with the line info loaded,
 * log level 1) names the offending source line, "return *counter + 1;", and ends with
 * "R0 invalid mem access 'map_value_or_null'". Everything else about the object is valid.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH); /* an array with a constant key is never NULL to newer verifiers */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

SEC("raw_tp/sys_enter")
int unchecked_lookup(void *ctx)
{
	__u32 key = 0;
	__u64 *counter = bpf_map_lookup_elem(&counters, &key);

	return *counter + 1; /* no NULL check: the verifier must refuse this */
}
