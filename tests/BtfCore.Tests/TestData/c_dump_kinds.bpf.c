/* Every construct libbpf's C dumper has a rule for, as clang encodes it in BTF: compiled by the C-header tests
 * (clang -g -O2 --target=bpf) and dumped by bpftool and rawbpf, which must agree byte for byte. */
#define __tag(x) __attribute__((btf_type_tag(x)))
#define __decl(x) __attribute__((btf_decl_tag(x)))

struct rawbpf_later;
struct rawbpf_cycle_b;

struct rawbpf_cycle_a {
	struct rawbpf_cycle_b *b;
	struct rawbpf_cycle_a *self;
	int value;
};

struct rawbpf_cycle_b {
	struct rawbpf_cycle_a a;
	struct rawbpf_later *later;
};

struct rawbpf_bits {
	unsigned int low : 3;
	unsigned int : 0;
	unsigned int mid : 7;
	signed char tiny : 2;
	unsigned long long wide : 40;
	unsigned short after;
	char tail : 1;
};

struct rawbpf_packed {
	char c;
	int i;
	long long l;
} __attribute__((packed));

struct rawbpf_aligned {
	char c;
	int aligned_int __attribute__((aligned(16)));
	char gap[3];
	long long last;
	char end;
};

enum rawbpf_signed { RAWBPF_NEG = -5, RAWBPF_ZERO = 0, RAWBPF_POS = 9 };
enum rawbpf_unsigned { RAWBPF_BIG = 0xfffffff0u };
enum rawbpf_wide { RAWBPF_WIDE_LOW = 1, RAWBPF_WIDE_HIGH = 0x123456789ULL };
enum rawbpf_wide_signed { RAWBPF_WIDE_NEG = -0x123456789LL, RAWBPF_WIDE_ONE = 1 };
enum rawbpf_byte { RAWBPF_BYTE_A, RAWBPF_BYTE_B } __attribute__((packed));

typedef int (*rawbpf_callback_t)(void *ctx, const char *fmt, ...);
typedef void (*rawbpf_noargs_t)(void);
typedef int (*(*rawbpf_returns_fn_t)(int))(long);
typedef int rawbpf_matrix_t[2][3];
typedef struct {
	int anonymous_typedef_member;
} rawbpf_anon_t;

struct rawbpf_everything {
	struct {
		int inner_x;
		union {
			long as_long;
			void *as_ptr;
		};
	} nested;
	union {
		int u_int;
		float u_float;
	} named_union_member;
	enum { RAWBPF_ANON_ONE = 1, RAWBPF_ANON_TWO } anon_enum;
	enum rawbpf_signed signed_enum;
	enum rawbpf_unsigned unsigned_enum;
	enum rawbpf_wide wide_enum;
	enum rawbpf_wide_signed wide_signed_enum;
	enum rawbpf_byte byte_enum;
	const volatile int cv;
	const char *const const_ptr_to_const;
	char *restrict restricted;
	int *__tag("user") user_ptr;
	int __tag("percpu") *__tag("rcu") *tagged_twice;
	rawbpf_callback_t callback;
	rawbpf_noargs_t noargs;
	rawbpf_returns_fn_t returns_fn;
	int (*fn_array[4])(int, char);
	int (*ptr_to_array)[5];
	rawbpf_matrix_t matrix;
	char three_d[2][3][4];
	const int const_array[2];
	rawbpf_anon_t anon_typedef;
	struct rawbpf_bits bits;
	struct rawbpf_packed packed;
	struct rawbpf_aligned aligned;
	struct rawbpf_cycle_b cycle;
	unsigned __int128 big;
	double d;
	_Bool flag;
	int decl_tagged __decl("field_tag");
	char flexible[];
};

struct rawbpf_empty {};

struct rawbpf_everything rawbpf_everything_var __decl("var_tag");
struct rawbpf_empty rawbpf_empty_var;

int rawbpf_c_dump_func(struct rawbpf_everything *e, int x __decl("param_tag")) __decl("func_tag");
int rawbpf_c_dump_func(struct rawbpf_everything *e, int x)
{
	return e->bits.low + x;
}
