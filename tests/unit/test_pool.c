/* test_pool.c: the helper thread of lib/base/pool.c runs each job once, in
 * turn, however fast the jobs come, and stops cleanly. */
#define _GNU_SOURCE /* CPU_COUNT */
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "base/pool.h"

struct job {
	long runs, sum;
	long value;
};

static void add(void *arg)
{
	struct job *j = arg;
	j->runs++;
	j->sum += j->value;
}

int main(void)
{
	flo_pool_stop(NULL); /* accepted */
	struct flo_pool *pool = flo_pool_start();
	cpu_set_t cpus;
	if (sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) < 2) {
		CHECK(pool == NULL);
		return check_report();
	}
	CHECK(pool != NULL);
	if (pool == NULL)
		return check_report();
	/* back to back, as a fit's evaluations come: the helper spins */
	struct job j = { 0, 0, 0 };
	long want = 0;
	for (long k = 1; k <= 20000; k++) {
		j.value = k;
		want += k;
		flo_pool_submit(pool, add, &j);
		flo_pool_wait(pool);
	}
	CHECK_INT(j.runs, 20000);
	CHECK_INT(j.sum, want);
	/* after a pause long enough for the helper to go to sleep */
	usleep(20000);
	j.value = 5;
	flo_pool_submit(pool, add, &j);
	flo_pool_wait(pool);
	CHECK_INT(j.runs, 20001);
	CHECK_INT(j.sum, want + 5);
	flo_pool_stop(pool);
	/* a pool stopped while its helper sleeps */
	pool = flo_pool_start();
	usleep(20000);
	flo_pool_stop(pool);
	return check_report();
}
