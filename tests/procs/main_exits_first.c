// SPDX-License-Identifier: GPL-2.0
/*
 * A process whose main thread leaves first: main calls pthread_exit() while a second thread sleeps
 * DELAY_MS and then ends the process. The process exits when that second thread does, with its code.
 *
 * Usage: main_exits_first [DELAY_MS=300] [CODE=5] [exit|thread_exit]
 *   exit         the second thread calls exit(CODE) (exit_group: the whole process, status CODE)
 *   thread_exit  the second thread calls the raw SYS_exit(CODE) (only itself; it is the last thread)
 * Prints its pid and the second thread's tid on stdout before the main thread leaves.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long delay_ms = 300;
static int exit_code = 5;
static int use_thread_exit;
static pthread_barrier_t started;

static void *second_thread(void *arg)
{
	(void)arg;
	printf("pid %d tid %ld\n", getpid(), (long)syscall(SYS_gettid));
	fflush(stdout);
	pthread_barrier_wait(&started);
	struct timespec delay = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };
	nanosleep(&delay, NULL);
	if (use_thread_exit)
		syscall(SYS_exit, exit_code);
	exit(exit_code);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		delay_ms = strtol(argv[1], NULL, 10);
	if (argc > 2)
		exit_code = (int)strtol(argv[2], NULL, 10);
	if (argc > 3)
		use_thread_exit = strcmp(argv[3], "thread_exit") == 0;

	pthread_t thread;
	pthread_barrier_init(&started, NULL, 2);
	if (pthread_create(&thread, NULL, second_thread, NULL) != 0)
		return 100;
	pthread_barrier_wait(&started);
	pthread_exit(NULL);
}
