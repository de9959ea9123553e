// SPDX-License-Identifier: GPL-2.0
/*
 * Many threads die together: NTHREADS threads block, then the main thread calls exit(CODE), and
 * exit_group kills them all at once. An exit monitor must still report the process exactly once.
 *
 * Usage: group_exit [NTHREADS=8] [CODE=7]
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_barrier_t started;

static void *blocked_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 8;
	int code = argc > 2 ? atoi(argv[2]) : 7;

	pthread_barrier_init(&started, NULL, (unsigned)nthreads + 1);
	for (int i = 0; i < nthreads; i++) {
		pthread_t thread;
		if (pthread_create(&thread, NULL, blocked_thread, NULL) != 0)
			return 100;
	}
	pthread_barrier_wait(&started);
	exit(code);
}
