// SPDX-License-Identifier: GPL-2.0
/*
 * Test oracle for RawBpf's CO-RE engine: opens a BPF object with libbpf 1.1, loads it (CO-RE relocation
 * happens inside bpf_object__load, before any program reaches the kernel, so a program the verifier rejects
 * still shows libbpf's relocated instructions) and prints, in a line format the C# tests parse:
 *
 *   log: <libbpf message>                        every libbpf message, debug level included
 *   load <err>                                   bpf_object__load's result
 *   prog <name> <section> <sec_insn_off> <n>     a program: its first instruction within its ELF section, and
 *   insn <i> <code> <regs> <off> <imm>            the n final instructions (bpf_program__insns), hex fields
 *
 * Usage: libbpf_insns OBJECT [TARGET_BTF]   (TARGET_BTF: libbpf's btf_custom_path, replaces vmlinux's BTF)
 * Build: cc -O1 -o libbpf_insns libbpf_insns.c -lbpf -lelf -lz
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

static int print_all(enum libbpf_print_level level, const char *format, va_list args)
{
	(void)level;
	fputs("log: ", stdout);
	return vfprintf(stdout, format, args);
}

/* libbpf keeps a program's offset in its section private: read the function symbol's value instead. */
static long section_insn_offset(const char *path, const char *prog_name, const char *sec_name)
{
	long result = -1;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t count = shdr.sh_size / shdr.sh_entsize;
		for (size_t i = 0; i < count; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			const char *name = elf_strptr(elf, shdr.sh_link, sym.st_name);
			GElf_Shdr target;
			Elf_Scn *target_scn = elf_getscn(elf, sym.st_shndx);
			if (!name || strcmp(name, prog_name) || !target_scn || !gelf_getshdr(target_scn, &target))
				continue;
			const char *section = elf_strptr(elf, shstrndx, target.sh_name);
			if (section && !strcmp(section, sec_name)) {
				result = (long)(sym.st_value / 8);
				goto out;
			}
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return result;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJECT [TARGET_BTF]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	libbpf_set_print(print_all);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = argc > 2 ? argv[2] : NULL);
	struct bpf_object *obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) {
		printf("open %d\n", -errno);
		return 1;
	}
	printf("load %d\n", bpf_object__load(obj));
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		const struct bpf_insn *insns = bpf_program__insns(prog);
		size_t count = bpf_program__insn_cnt(prog);
		const char *sec = bpf_program__section_name(prog);
		printf("prog %s %s %ld %zu\n", bpf_program__name(prog), sec,
		       section_insn_offset(argv[1], bpf_program__name(prog), sec), count);
		for (size_t i = 0; insns && i < count; i++)
			printf("insn %zu %02x %02x %04x %08x\n", i, insns[i].code,
			       (insns[i].src_reg << 4) | insns[i].dst_reg, (unsigned short)insns[i].off,
			       (unsigned int)insns[i].imm);
	}
	bpf_object__close(obj);
	return 0;
}
