// SPDX-License-Identifier: GPL-2.0
/*
 * Not a program: its BTF is the target ("kernel") BTF for core_flavors.bpf.c and core_ambiguous.bpf.c,
 * given to libbpf as btf_custom_path and to RawBpf as the only target. Built with -target bpf -g.
 */
struct rawbpf_agree___first {
	long pad;
	int same;
};

struct rawbpf_agree___second {
	long pad;
	int same;
	int only_in_second;
};

struct rawbpf_agree___third_no_same {
	int other;
};

enum rawbpf_colour___a { RAWBPF_RED___a = 10, RAWBPF_BLUE___a = 20 };
enum rawbpf_colour___b { RAWBPF_BLUE___b = 20, RAWBPF_GREEN___b = 30 };

struct rawbpf_ambiguous___one {
	int same;
	int differs;
};

struct rawbpf_ambiguous___two {
	int same;
	long pad;
	int differs;
};

struct rawbpf_agree___first first;
struct rawbpf_agree___second second;
struct rawbpf_agree___third_no_same third;
enum rawbpf_colour___a colour_a;
enum rawbpf_colour___b colour_b;
struct rawbpf_ambiguous___one one;
struct rawbpf_ambiguous___two two;
