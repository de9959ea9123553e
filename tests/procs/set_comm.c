// SPDX-License-Identifier: GPL-2.0
/*
 * Renames itself with prctl(PR_SET_NAME) to arbitrary bytes, then exits: a hostile process name for an
 * exit monitor to print (escape sequences, newlines, invalid UTF-8). The bytes come in hex because argv
 * from a test cannot carry invalid UTF-8.
 *
 * Usage: set_comm HEX [CODE=0]     e.g. set_comm 1b5b33316d0a 3  (at most 15 bytes, no NUL)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
	char name[16] = { 0 };
	const char *hex = argc > 1 ? argv[1] : "";
	size_t length = strlen(hex) / 2;

	if (length > 15 || strlen(hex) % 2 != 0)
		return 100;
	for (size_t i = 0; i < length; i++) {
		unsigned int byte;
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1 || byte == 0)
			return 101;
		name[i] = (char)byte;
	}
	if (prctl(PR_SET_NAME, name, 0, 0, 0) != 0)
		return 102;
	return argc > 2 ? atoi(argv[2]) : 0;
}
