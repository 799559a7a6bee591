/* cli.h: what every flo tool shares on the command line: messages that
 * start with the program's name, the exit statuses, strict option values,
 * input files, the output stream, and the bad-record policy.
 *
 * Exit statuses (sysexits.h): 0 success, 2 usage, 65 bad input data,
 * 66 unreadable input, 74 I/O or store error. */
#ifndef FLO_CLI_H
#define FLO_CLI_H

#include <stdio.h>

#include "record/reader.h"
#include "record/writer.h"
#include "base/quote.h"

#define FLO_EXIT_USAGE 2
#define FLO_EXIT_DATAERR 65
#define FLO_EXIT_NOINPUT 66
#define FLO_EXIT_SOFTWARE 70
#define FLO_EXIT_IOERR 74

#ifndef FLO_VERSION
#define FLO_VERSION "0.1.0"
#endif

extern const char *flo_progname;

/* Name the program and restore SIGPIPE's default, so `flo-x | head` ends
 * quietly as `cat | head` does. */
void flo_cli_init(const char *name);

void flo_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void flo_die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "usage error" message plus a pointer to --help; exit 2. */
_Noreturn void flo_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void flo_print_version(void);

/* Milliseconds on a monotonic clock, for --timings. */
double flo_ms_now(void);

/* getopt_long's complaint, in flo's words: called with what it returned
 * ('?' for an unknown option, ':' for a missing value: optstrings start
 * with ':'), says which option and exits 2.  flo_cli_init() silences
 * getopt's own messages, which name argv[0] rather than the tool. */
_Noreturn void flo_option_error(int c, char **argv);

/* Strict option values: the whole text must be the value, else exit 2 with
 * a message naming the option.  `--horizon 12x` is an error, not 12. */
double flo_opt_double(const char *opt, const char *arg);
double flo_opt_positive(const char *opt, const char *arg);
long flo_opt_long(const char *opt, const char *arg, long min, long max);
enum flo_format flo_opt_format(const char *opt, const char *arg);
/* A date option (any format flo_parse_day() takes) as a day number. */
int flo_opt_day(const char *opt, const char *arg);

/* A time unit option (day, week or month: base/unit.h), else exit 2. */
const char *flo_opt_unit(const char *opt, const char *arg);

/* Open the input file named on the command line ("-" or NULL: stdin);
 * exit 66 with a message when it cannot be read. */
int flo_open_input(const char *path);

/* The store's path: the --db option if given (not empty), else $FLO_DB,
 * else ./flo.lmdb. */
const char *flo_store_path(const char *given);

/* The name inputs are called by in messages: "input" for stdin, else the path. */
const char *flo_input_name(const char *path);

/* The tool's record output: what a tool wrote before it stops on an error
 * still reaches stdout (flushed by flo_die and flo_bad_record), as records
 * before a bad line do from jq or awk. */
void flo_cli_set_output(flo_writer *w);

/* fn(ctx) once, when an error is about to end the tool (flo_die(), a bad
 * record that stops the run), before the output is flushed: a tool that
 * holds records back (flo-score --interval) writes them there, so that the
 * records before the error reach stdout as they would have one by one. */
void flo_cli_on_error(void (*fn)(void *ctx), void *ctx);

/* Finish the output: flush and close the writer, and exit 74 with a message
 * when writing failed (a full disk, /dev/full); a closed pipe ends quietly. */
void flo_finish_output(flo_writer *w);

/* What to do with a bad record: stop (default), or skip it, count it, and
 * keep it verbatim in a rejects file (CSV/TSV rejects start with the input's
 * header line, so the file can be fixed and fed back). */
struct flo_bad {
	int skip;
	const char *rejects_path;
	FILE *rejects;
	long count;
	const char *input_name;
	int quiet; /* skip without a word (a first pass whose second reports) */
	/* Called before a bad record stops the run (flo-rfm --db commits the
	 * orders before it); NULL for none. */
	void (*before_stop)(void *ctx);
	void *before_stop_ctx;
	/* Called before any bad record is reported, stopping or skipped (a
	 * tool that holds records back writes them first, so that messages
	 * and rejects keep the input's order); NULL for none. */
	void (*before_report)(void *ctx);
	void *before_report_ctx;
};

/* A record read before the reader's current one and held back (held.h):
 * the input it came from (NULL: the first, unnamed), its line and text. */
struct flo_record_at {
	const char *input;
	long line;
	const char *raw;
	size_t len;
};

/* Report a bad current record of r: with skip off, print
 * "prog: input line N: <message>" and exit with `status`; with skip on,
 * count it and copy it to the rejects file. */
void flo_bad_record(struct flo_bad *bad, const flo_reader *r, int status,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The same for a held record `at` of r's input (before_report is not
 * called: the tool reports its held records in order itself). */
void flo_bad_record_at(struct flo_bad *bad, const flo_reader *r, const struct flo_record_at *at,
		       int status, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Keep the current record of r with the rejects (when there is a rejects
 * file), without counting it as bad: a record skipped by rule. */
void flo_bad_keep(struct flo_bad *bad, const flo_reader *r);

/* The reader returned an error: a record-level one goes through
 * flo_bad_record, a fatal one (I/O, oversized record) exits. */
void flo_reader_failed(struct flo_bad *bad, const flo_reader *r, int err);

/* At the end: say how many records were skipped, close the rejects file. */
void flo_bad_finish(struct flo_bad *bad);

/* ---- the options every record tool takes ----
 *
 * -i/--input-format, -o/--output-format and --json-strings (where the tool
 * writes records: flo_writer_default_json_strings()), --skip-bad, --rejects FILE, -h/--help and -V/--version mean the same in
 * every tool: they are parsed here.  A tool lists FLO_COMMON_LONGOPTS (and
 * "output-format" if it has -o) in its long options, and hands each option
 * its switch does not know to flo_common_option() first. */
enum { FLO_OPT_SKIP_BAD = 0x1000, FLO_OPT_REJECTS, FLO_OPT_JSON_STRINGS, FLO_OPT_FLUSH,
       FLO_OPT_FIELDS };

#define FLO_COMMON_LONGOPTS                                                  \
	{"input-format", required_argument, NULL, 'i'},                      \
	{"skip-bad", no_argument, NULL, FLO_OPT_SKIP_BAD},                   \
	{"rejects", required_argument, NULL, FLO_OPT_REJECTS},               \
	{"json-strings", no_argument, NULL, FLO_OPT_JSON_STRINGS},           \
	{"fields", required_argument, NULL, FLO_OPT_FIELDS},                 \
	{"input-fields", required_argument, NULL, FLO_OPT_FIELDS},           \
	{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}

/* The options of a tool that writes records as they come: -o/--output-format
 * and --flush (a record out as soon as it is written). */
#define FLO_OUTPUT_LONGOPTS                                                  \
	{"output-format", required_argument, NULL, 'o'},                     \
	{"flush", no_argument, NULL, FLO_OPT_FLUSH}

struct flo_common_opts {
	enum flo_format *in_fmt;
	enum flo_format *out_fmt; /* NULL: the tool has no -o */
	struct flo_bad *bad;
	const char *usage;        /* printed by --help */
	int *flush;               /* NULL: the tool has no --flush */
};

/* 1 when option c (with its argument) was one of the common options, now
 * taken (--help and --version print and exit 0); else 0. */
int flo_common_option(int c, const char *arg, const struct flo_common_opts *co);

/* The help of the input options every record tool takes (after -i). */
#define FLO_INPUT_USAGE                                                              \
	"      --fields F1,F2,...    CSV or TSV without a header line: the columns'\n"      \
	"                            names, in order (the first line is a record;\n"      \
	"                            also --input-fields)\n"

/* The one input file named after the options (NULL: stdin); a second is a
 * usage error. */
const char *flo_one_input(int argc, char **argv);

/* The input files named after the options, read one after the other as one
 * input (reader.h: each CSV or TSV file with its header, the same fields in
 * the same order): the first (NULL: stdin, also for "-"); flo_open_reader()
 * opens them. */
const char *flo_inputs(int argc, char **argv);

/* Whether flo_inputs() took more than one input. */
int flo_several_inputs(void);

/* A reader over the inputs flo_inputs() took (path: the first of them),
 * with --fields's names: every file opened first (exit 66 for one that
 * cannot be), messages naming the file a record is in.  The first input's
 * descriptor, for the tools that read it themselves. */
int flo_open_reader(flo_reader **r, const char *path, enum flo_format fmt);

/* --fields's names into a reader made otherwise (nothing without them). */
void flo_use_fields(flo_reader *r);

#endif
