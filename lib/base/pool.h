/* pool.h: one helper thread that runs a function while the caller runs
 * another, for work that comes in many short rounds: the fitter's
 * evaluations of a likelihood, a fraction of a millisecond each, a few
 * dozen of them back to back.  Starting a thread per round costs tens of
 * microseconds and waking a sleeping one about as much on a virtual
 * machine, so between rounds the helper spins for a while before it sleeps.
 *
 * One caller at a time; the caller waits for each job before the next. */
#ifndef FLO_POOL_H
#define FLO_POOL_H

struct flo_pool;

/* The threads a tool may keep busy: $FLO_THREADS when it is a whole number
 * from 1 to 1024 (1: no helper threads), else the CPUs this process may run
 * on (taskset and cgroups' cpusets narrow them below those online).  Helper
 * threads pay only with two or more. */
int flo_usable_cpus(void);

/* A started helper, or NULL when the process may use one CPU only (a
 * spinning helper would take it from the caller) or the thread cannot
 * start: the caller then does the work itself. */
struct flo_pool *flo_pool_start(void);

/* fn(arg) on the helper; returns at once. */
void flo_pool_submit(struct flo_pool *pool, void (*fn)(void *), void *arg);

/* Until the submitted job is done. */
void flo_pool_wait(struct flo_pool *pool);

/* Stop the helper and free the pool; NULL is accepted. */
void flo_pool_stop(struct flo_pool *pool);

#endif
