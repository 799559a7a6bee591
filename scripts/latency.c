/* latency.c: the time from an order entering a pipeline to its record
 * leaving it, one order at a time (scripts/bench compiles and runs it).
 *
 *   latency FILE WARMUP 'PIPELINE'
 *
 * runs `sh -c PIPELINE` with pipes on its stdin and stdout, writes FILE's
 * first line (a CSV or TSV header; JSON Lines have none) and then each
 * order line alone, waiting for the pipeline's one output line per order
 * (plus the header line that comes out with the first) before the next.
 * The first WARMUP orders are not timed.  Prints the count, then the mean,
 * median, 90th and 99th percentile and maximum in microseconds, then the
 * CPU time (user + system) all the pipeline's processes spent per order,
 * from start to exit: the compute, without the waits for wake-ups.
 *
 * One order in flight at a time measures latency, not throughput: each
 * order crosses every pipe and wakes every process on its own, as an order
 * behind `tail -F` does. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *msg)
{
	fprintf(stderr, "latency: %s%s%s\n", msg, errno ? ": " : "", errno ? strerror(errno) : "");
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die("write to the pipeline");
		p += k;
		n -= (size_t)k;
	}
}

/* Read until `lines` newlines have come; what follows them is kept for the
 * next call (there should be none). */
static void read_lines(int fd, int lines)
{
	static char buf[1 << 16];
	while (lines > 0) {
		struct pollfd p = {fd, POLLIN, 0};
		int r = poll(&p, 1, 10000);
		if (r == 0) {
			errno = 0;
			die("no output from the pipeline within 10 s");
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		ssize_t k = read(fd, buf, sizeof buf);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			errno = 0;
			die("the pipeline ended early");
		}
		for (ssize_t i = 0; i < k; i++)
			lines -= buf[i] == '\n';
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: latency FILE WARMUP 'PIPELINE'\n");
		return 2;
	}
	long warmup = strtol(argv[2], NULL, 10);
	FILE *in = fopen(argv[1], "r");
	if (in == NULL)
		die(argv[1]);
	int to[2], from[2];
	if (pipe(to) != 0 || pipe(from) != 0)
		die("pipe");
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[0]), close(to[1]), close(from[0]), close(from[1]);
		execl("/bin/sh", "sh", "-c", argv[3], (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);

	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	size_t n = 0, ncap = 1024;
	double *us = malloc(ncap * sizeof *us);
	int header = 0, first = 1;
	long seen = 0;
	if (us == NULL)
		die("out of memory");
	while ((len = getline(&line, &cap, in)) > 0) {
		if (first && line[0] != '{') {
			write_all(to[1], line, (size_t)len);
			header = 1;
			first = 0;
			continue;
		}
		first = 0;
		double t0 = now_us();
		write_all(to[1], line, (size_t)len);
		read_lines(from[0], 1 + (seen == 0 ? header : 0));
		double t1 = now_us();
		if (seen++ < warmup)
			continue;
		if (n == ncap && (us = realloc(us, (ncap *= 2) * sizeof *us)) == NULL)
			die("out of memory");
		us[n++] = t1 - t0;
	}
	close(to[1]);
	close(from[0]);
	waitpid(pid, NULL, 0);
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	double cpu = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
		     (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
	if (n == 0) {
		errno = 0;
		die("no orders timed");
	}
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += us[i];
	qsort(us, n, sizeof *us, cmp);
	printf("%zu %.1f %.1f %.1f %.1f %.1f %.1f\n", n, sum / (double)n, us[n / 2],
	       us[n * 9 / 10], us[n * 99 / 100], us[n - 1], cpu / (double)seen);
	free(us);
	free(line);
	fclose(in);
	return 0;
}
