/* pool.c: the helper thread of pool.h. */
#define _GNU_SOURCE /* CPU affinity */
#include "base/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* How long the helper spins for the next job before it sleeps: longer than
 * the gaps between a fit's evaluations (microseconds of linear algebra),
 * short enough not to hold a CPU long after the work. */
#define SPIN_NS 2000000

struct flo_pool {
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	atomic_ulong submitted, finished; /* jobs so far */
	atomic_int quit;
	void (*fn)(void *);
	void *arg;
};

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Until a job after `seen` is submitted, or quit: 0 to quit. */
static int next_job(struct flo_pool *p, unsigned long seen)
{
	long long since = now_ns();
	for (unsigned spins = 1;; spins++) {
		if (atomic_load_explicit(&p->submitted, memory_order_acquire) != seen)
			return 1;
		if (atomic_load(&p->quit))
			return 0;
		relax();
		if (spins % 256 == 0) {
			sched_yield(); /* the submitter may share this CPU */
			if (now_ns() - since > SPIN_NS)
				break;
		}
	}
	/* The submitter stores its job, then takes the lock to signal: read
	 * under the lock, the count is either new or the signal still to come. */
	pthread_mutex_lock(&p->lock);
	while (atomic_load(&p->submitted) == seen && !atomic_load(&p->quit))
		pthread_cond_wait(&p->wake, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return !atomic_load(&p->quit);
}

static void *helper(void *arg)
{
	struct flo_pool *p = arg;
	unsigned long seen = 0;
	while (next_job(p, seen)) {
		seen = atomic_load_explicit(&p->submitted, memory_order_acquire);
		p->fn(p->arg);
		atomic_store_explicit(&p->finished, seen, memory_order_release);
	}
	return NULL;
}

int flo_usable_cpus(void)
{
	const char *env = getenv("FLO_THREADS");
	if (env != NULL && *env != '\0') {
		char *end;
		long n = strtol(env, &end, 10);
		if (*end == '\0' && n >= 1 && n <= 1024)
			return (int)n;
	}
#ifdef __linux__
	cpu_set_t cpus;
	if (sched_getaffinity(0, sizeof cpus, &cpus) == 0)
		return CPU_COUNT(&cpus);
#endif
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

struct flo_pool *flo_pool_start(void)
{
	if (flo_usable_cpus() < 2)
		return NULL;
	struct flo_pool *p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	/* A new thread starts on its creator's CPU, and the scheduler moves
	 * it only after milliseconds of the two taking turns: start it on
	 * another. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
#ifdef __linux__
	cpu_set_t cpus;
	int here = sched_getcpu();
	if (here >= 0 && sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) > 1) {
		CPU_CLR(here, &cpus);
		pthread_attr_setaffinity_np(&attr, sizeof cpus, &cpus);
	}
#endif
	int started = pthread_create(&p->tid, &attr, helper, p) == 0;
	pthread_attr_destroy(&attr);
	if (!started) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->wake);
		free(p);
		return NULL;
	}
	return p;
}

void flo_pool_submit(struct flo_pool *p, void (*fn)(void *), void *arg)
{
	p->fn = fn;
	p->arg = arg;
	atomic_fetch_add_explicit(&p->submitted, 1, memory_order_release);
	pthread_mutex_lock(&p->lock);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

void flo_pool_wait(struct flo_pool *p)
{
	unsigned long job = atomic_load(&p->submitted);
	for (unsigned spins = 1;
	     atomic_load_explicit(&p->finished, memory_order_acquire) != job; spins++) {
		relax();
		if (spins % 256 == 0) /* the helper may be waiting for this CPU */
			sched_yield();
	}
}

void flo_pool_stop(struct flo_pool *p)
{
	if (p == NULL)
		return;
	atomic_store(&p->quit, 1);
	pthread_mutex_lock(&p->lock);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->tid, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
