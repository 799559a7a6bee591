/* cli.c: messages, strict options, input, output and the bad-record policy
 * shared by the tools. */
#define _GNU_SOURCE /* F_SETPIPE_SZ, where Linux has it */
#include "common/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/date.h"
#include "base/err.h"
#include "base/num.h"
#include "base/unit.h"
#include "common/list.h"
#include "common/xalloc.h"

const char *flo_progname = "flo";
static flo_writer *output;

/* The inputs after the first (flo_inputs()) and --fields's names. */
static char **more_inputs;
static int nmore;
static struct flo_list input_fields;

void flo_cli_set_output(flo_writer *w)
{
	output = w;
}

static void (*on_error)(void *ctx);
static void *on_error_ctx;

void flo_cli_on_error(void (*fn)(void *ctx), void *ctx)
{
	on_error = fn;
	on_error_ctx = ctx;
}

/* Before exiting on an error: what was held and written so far goes out.
 * The hook is taken first: an error inside it ends the tool at once. */
static void flush_output(void)
{
	void (*fn)(void *) = on_error;
	on_error = NULL;
	if (fn != NULL)
		fn(on_error_ctx);
	if (output != NULL)
		flo_writer_flush(output);
}

/* At exit, by whatever path (--help and --version included): output that
 * could not be written is an error, not a success (sbase's fshut()). */
static int failing; /* an error was reported: the exit status says it */

static void check_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return;
	if (failing)
		return;
	fprintf(stderr, "%s: write error: %s\n", flo_progname, strerror(errno));
	_exit(FLO_EXIT_IOERR);
}

/* Descriptors 0, 1 and 2 closed by the caller (`>&-`) would be the next
 * files the tool opens, and records would be written into its store's lock
 * file.  Each is taken by /dev/null, opened the wrong way round, so that
 * reading a closed stdin or writing a closed stdout still fails (EBADF),
 * as the BSD tools and coreutils do. */
static void hold_standard_descriptors(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		int got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (got != fd) /* the lowest free descriptor: fd, or none left */
			_exit(FLO_EXIT_SOFTWARE);
	}
}

void flo_cli_init(const char *name)
{
	hold_standard_descriptors();
	flo_progname = name;
	signal(SIGPIPE, SIG_DFL);
	opterr = 0;
	atexit(check_stdout);
}

static void vmessage(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static void vmessage(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", flo_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

double flo_ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

void flo_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

void flo_die(int status, const char *fmt, ...)
{
	va_list ap;
	failing = 1;
	flush_output();
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	exit(status);
}

void flo_usage_error(const char *fmt, ...)
{
	va_list ap;
	failing = 1;
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", flo_progname);
	exit(FLO_EXIT_USAGE);
}

void flo_option_error(int c, char **argv)
{
	const char *arg = argv[optind - 1];
	if (c == ':')
		flo_usage_error("option %s needs a value", arg);
	if (optopt != 0 && arg[0] == '-' && arg[1] != '-')
		flo_usage_error("unknown option -%c", optopt);
	flo_usage_error("unknown option %s", arg);
}

void flo_print_version(void)
{
	printf("%s (flo) %s\n", flo_progname, FLO_VERSION);
}

double flo_opt_double(const char *opt, const char *arg)
{
	double v;
	int err = flo_parse_double(arg, strlen(arg), &v);
	if (err != FLO_OK || arg[0] == '\0')
		flo_usage_error("option %s: not a number: \"%s\"", opt, arg);
	return v;
}

double flo_opt_positive(const char *opt, const char *arg)
{
	double v = flo_opt_double(opt, arg);
	if (!(v > 0))
		flo_usage_error("option %s: must be positive: \"%s\"", opt, arg);
	return v;
}

long flo_opt_long(const char *opt, const char *arg, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (arg[0] == '\0' || *end != '\0' || errno == ERANGE || v < min || v > max)
		flo_usage_error("option %s: expected a whole number from %ld to %ld: \"%s\"",
				opt, min, max, arg);
	return v;
}

enum flo_format flo_opt_format(const char *opt, const char *arg)
{
	enum flo_format fmt;
	if (flo_format_parse(arg, &fmt) != FLO_OK)
		flo_usage_error("option %s: unknown format \"%s\" (csv, tsv, jsonl)", opt, arg);
	return fmt;
}

int flo_opt_day(const char *opt, const char *arg)
{
	int32_t day;
	int err = flo_parse_day(arg, strlen(arg), &day);
	if (err != FLO_OK)
		flo_usage_error("option %s: %s: \"%s\"", opt,
				err == FLO_ERANGE ? "date out of range 1900..9999" : "not a date",
				arg);
	return day;
}

const char *flo_opt_unit(const char *opt, const char *arg)
{
	double days;
	if (flo_unit_days(arg, &days) != FLO_OK)
		flo_usage_error("option %s: expected day, week or month: \"%s\"", opt, arg);
	return arg;
}

/* Input is read once, front to back: a file on a disk is then read ahead
 * in larger pieces; a pipe is widened to a megabyte (Linux; the most an
 * unprivileged process gets by default), so that a writer far ahead, such
 * as `cat log |`, hands over 1 MB per wakeup instead of 64 KB. */
static int sequential(int fd)
{
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#ifdef F_SETPIPE_SZ
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#endif
	return fd;
}

int flo_open_input(const char *path)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return sequential(STDIN_FILENO);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		flo_die(FLO_EXIT_NOINPUT, "cannot open %s: %s", path, strerror(errno));
	/* A directory opens, then fails at the first read: say so now, as
	 * the unreadable input it is (66), not as an I/O error at "line 0". */
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		flo_die(FLO_EXIT_NOINPUT, "cannot read %s: %s", path, strerror(EISDIR));
	return sequential(fd);
}

const char *flo_store_path(const char *given)
{
	if (given != NULL && given[0] != '\0')
		return given;
	const char *env = getenv("FLO_DB");
	return env != NULL && env[0] != '\0' ? env : "flo.lmdb";
}

const char *flo_input_name(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0 ? "input" : path;
}

void flo_finish_output(flo_writer *w)
{
	if (w == output)
		output = NULL;
	int err = flo_writer_close(w);
	if (err == FLO_EIO) {
		if (errno == EPIPE)
			exit(128 + SIGPIPE);
		flo_die(FLO_EXIT_IOERR, "write error: %s", strerror(errno));
	}
	if (err != FLO_OK)
		flo_die(flo_exit_status(err), "output: %s", flo_strerror(err));
	if (fflush(stdout) != 0 || ferror(stdout))
		flo_die(FLO_EXIT_IOERR, "write error: %s", strerror(errno));
}

/* The input a record is from, as messages name it. */
static const char *input_named(const struct flo_bad *bad, const char *name)
{
	if (name != NULL)
		return name;
	return bad->input_name ? bad->input_name : "input";
}

static const char *input_of(const struct flo_bad *bad, const flo_reader *r)
{
	return input_named(bad, flo_reader_input_name(r));
}

/* The record's text into the rejects file, which starts with r's header. */
static void keep_rejected(struct flo_bad *bad, const flo_reader *r, const char *raw, size_t len)
{
	if (bad->rejects_path == NULL)
		return;
	if (bad->rejects == NULL) {
		bad->rejects = fopen(bad->rejects_path, "w");
		if (bad->rejects == NULL)
			flo_die(FLO_EXIT_IOERR, "cannot write rejects to %s: %s",
				bad->rejects_path, strerror(errno));
		size_t hlen;
		const char *header = flo_reader_raw_header(r, &hlen);
		if (header != NULL) {
			fwrite(header, 1, hlen, bad->rejects);
			fputc('\n', bad->rejects);
		}
	}
	fwrite(raw, 1, len, bad->rejects);
	fputc('\n', bad->rejects);
	/* Out at once: a live pipeline is stopped by a signal, not by the end
	 * of its input, and bad records are few. */
	if (fflush(bad->rejects) != 0)
		flo_die(FLO_EXIT_IOERR, "cannot write rejects to %s: %s", bad->rejects_path,
			strerror(errno));
}

static void bad_record(struct flo_bad *bad, const flo_reader *r, const struct flo_record_at *at,
		       int status, const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void bad_record(struct flo_bad *bad, const flo_reader *r, const struct flo_record_at *at,
		       int status, const char *fmt, va_list ap)
{
	if (!bad->skip) {
		if (bad->before_stop != NULL)
			bad->before_stop(bad->before_stop_ctx);
		failing = 1;
		flush_output();
		fprintf(stderr, "%s: %s line %ld: ", flo_progname, input_named(bad, at->input),
			at->line);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		exit(status);
	}
	bad->count++;
	keep_rejected(bad, r, at->raw, at->len);
}

void flo_bad_record(struct flo_bad *bad, const flo_reader *r, int status,
		    const char *fmt, ...)
{
	va_list ap;
	if (bad->before_report != NULL)
		bad->before_report(bad->before_report_ctx);
	struct flo_record_at at = {flo_reader_input_name(r), flo_reader_line(r), NULL, 0};
	at.raw = flo_reader_raw(r, &at.len);
	va_start(ap, fmt);
	bad_record(bad, r, &at, status, fmt, ap);
	va_end(ap);
}

void flo_bad_record_at(struct flo_bad *bad, const flo_reader *r, const struct flo_record_at *at,
		       int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bad_record(bad, r, at, status, fmt, ap);
	va_end(ap);
}

void flo_bad_keep(struct flo_bad *bad, const flo_reader *r)
{
	size_t len;
	const char *raw = flo_reader_raw(r, &len);
	keep_rejected(bad, r, raw, len);
}

void flo_reader_failed(struct flo_bad *bad, const flo_reader *r, int err)
{
	err = -err;
	if (err == FLO_ESYNTAX && !flo_reader_fatal(r)) {
		flo_bad_record(bad, r, FLO_EXIT_DATAERR, "%s", flo_reader_errmsg(r));
		return;
	}
	flo_die(flo_exit_status(err), "%s line %ld: %s", input_of(bad, r), flo_reader_line(r),
		flo_reader_errmsg(r));
}

void flo_bad_finish(struct flo_bad *bad)
{
	/* Closed first: "kept in FILE" only once they are. */
	if (bad->rejects != NULL && fclose(bad->rejects) != 0)
		flo_die(FLO_EXIT_IOERR, "cannot write rejects to %s: %s",
			bad->rejects_path, strerror(errno));
	bad->rejects = NULL;
	if (bad->count > 0 && !bad->quiet)
		flo_warn("skipped %ld bad record%s%s%s", bad->count,
			 bad->count == 1 ? "" : "s",
			 bad->rejects_path ? ", kept in " : "",
			 bad->rejects_path ? bad->rejects_path : "");
}

int flo_common_option(int c, const char *arg, const struct flo_common_opts *co)
{
	switch (c) {
	case 'i':
		*co->in_fmt = flo_opt_format("--input-format", arg);
		return 1;
	case 'o':
		if (co->out_fmt == NULL)
			return 0;
		*co->out_fmt = flo_opt_format("--output-format", arg);
		return 1;
	case FLO_OPT_JSON_STRINGS:
		if (co->out_fmt == NULL)
			return 0;
		flo_writer_default_json_strings(1);
		return 1;
	case FLO_OPT_SKIP_BAD:
		co->bad->skip = 1;
		return 1;
	case FLO_OPT_REJECTS:
		co->bad->skip = 1;
		co->bad->rejects_path = arg;
		return 1;
	case FLO_OPT_FIELDS:
		flo_list_parse(&input_fields, "--fields", arg, FLO_LIST_NAMES);
		return 1;
	case FLO_OPT_FLUSH:
		if (co->flush == NULL)
			return 0;
		*co->flush = 1;
		return 1;
	case 'h':
		fputs(co->usage, stdout);
		exit(0);
	case 'V':
		flo_print_version();
		exit(0);
	default:
		return 0;
	}
}

const char *flo_inputs(int argc, char **argv)
{
	if (optind >= argc)
		return NULL;
	const char *first = argv[optind];
	more_inputs = argv + optind + 1;
	nmore = argc - optind - 1;
	optind = argc;
	return first;
}

int flo_several_inputs(void)
{
	return nmore > 0;
}

int flo_open_reader(flo_reader **r, const char *path, enum flo_format fmt)
{
	int fd = flo_open_input(path);
	int *more = flo_xcalloc((size_t)nmore + 1, sizeof *more);
	for (int i = 0; i < nmore; i++) {
		if (strcmp(more_inputs[i], "-") == 0)
			flo_usage_error("stdin (\"-\") may only be the first input");
		more[i] = flo_open_input(more_inputs[i]);
	}
	if (flo_reader_new(r, fd, fmt) != FLO_OK)
		flo_out_of_memory();
	flo_reader_name_input(*r, flo_input_name(path));
	for (int i = 0; i < nmore; i++)
		if (flo_reader_add_input(*r, more[i], more_inputs[i]) != FLO_OK)
			flo_out_of_memory();
	free(more);
	flo_use_fields(*r);
	return fd;
}

void flo_use_fields(flo_reader *r)
{
	if (input_fields.n == 0)
		return;
	int err = flo_reader_set_fields(r, (const char *const *)input_fields.item, input_fields.n);
	if (err == FLO_ENOMEM)
		flo_out_of_memory();
	if (err != FLO_OK)
		flo_usage_error("option --fields: %s", flo_reader_errmsg(r));
}

const char *flo_one_input(int argc, char **argv)
{
	if (optind >= argc)
		return NULL;
	const char *path = argv[optind++];
	if (optind < argc)
		flo_usage_error("one input file at most (got \"%s\" too)", argv[optind]);
	return path;
}
