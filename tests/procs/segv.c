// SPDX-License-Identifier: GPL-2.0
/* Dies of SIGSEGV (a write through a null pointer); dumps core when RLIMIT_CORE allows it. */
#include <stdio.h>

int main(void)
{
	volatile int *null_pointer = NULL;
	fflush(stdout);
	*null_pointer = 1;
	return 0;
}
