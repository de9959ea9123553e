// SPDX-License-Identifier: GPL-2.0
/*
 * Load generator for exit monitors: WORKERS processes each fork N children that exit at once with
 * code i % 256 (i = the child's index within its worker), and reap them. Prints the exit rate.
 *
 * Usage: forkexit [N=10000] [WORKERS=2]
 * Output (one line): `forkexit: EXITS exits in SECONDS s (RATE/s)`. A monitor of this run should see
 * WORKERS * N exits of comm "forkexit", WORKERS * ceil(N/256) of them with code 0 and the rest 1..255.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_worker(long count)
{
	for (long i = 0; i < count; i++) {
		pid_t child = fork();
		if (child < 0)
			return 1;
		if (child == 0)
			_exit((int)(i % 256));
		int status;
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != i % 256)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 10000;
	int workers = argc > 2 ? atoi(argv[2]) : 2;
	double start = now_s();
	int failures = 0;

	for (int w = 0; w < workers; w++) {
		pid_t worker = fork();
		if (worker < 0)
			return 1;
		if (worker == 0)
			_exit(run_worker(count));
	}
	for (int w = 0; w < workers; w++) {
		int status;
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failures++;
	}
	double elapsed = now_s() - start;
	long exits = count * workers;
	printf("forkexit: %ld exits in %.3f s (%.0f/s)\n", exits, elapsed, (double)exits / elapsed);
	return failures ? 1 : 0;
}
