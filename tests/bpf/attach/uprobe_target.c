// SPDX-License-Identifier: GPL-2.0
/*
 * The uprobe tests' target: calls rawbpf_uprobe_target(i) argv[1] times (i = 0..N-1, each returning i + 1), then
 * rawbpf_uprobe_target_second() once. With argv[2], first waits until that file exists (so a test can attach
 * with this process's pid before the calls).
 */
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int rawbpf_uprobe_target(int value)
{
	__asm__ volatile("" : "+r"(value));
	return value + 1;
}

__attribute__((noinline)) int rawbpf_uprobe_target_second(void)
{
	__asm__ volatile("");
	return 7;
}

int main(int argc, char **argv)
{
	int calls = argc > 1 ? atoi(argv[1]) : 1;
	int sum = 0;

	if (argc > 2)
		while (access(argv[2], F_OK) != 0)
			usleep(1000);
	for (int i = 0; i < calls; i++)
		sum += rawbpf_uprobe_target(i);
	sum += rawbpf_uprobe_target_second();
	return sum == 0 ? 1 : 0;
}
