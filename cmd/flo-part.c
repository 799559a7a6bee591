/* flo-part: route records to N parts by a hash of the customer id, so that
 * each customer's orders land in one part and every later stage (flo-rfm,
 * the fit's statistics, flo-score, flo-segment --cuts) can run a part at a
 * time, on as many machines as there are parts.  The records are copied
 * byte for byte. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/idmap.h"
#include "common/cli.h"
#include "common/xalloc.h"
#include "record/reader.h"

static const char usage[] =
"usage: flo-part -n N (--part I | --prefix PREFIX) [options] [file]\n"
"\n"
"Route records (orders, or any records with a customer id) to N parts by a\n"
"hash of the customer id: every record of a customer goes to the same part,\n"
"so that flo-rfm, flo-score and flo-segment --cuts can run on each part\n"
"alone (see \"More than one machine\" in the README).  Records are copied\n"
"byte for byte, the header line (CSV, TSV) at the head of every part.\n"
"Streaming, constant memory; output is flushed whenever the input would\n"
"block, so that `tail -F orders | flo-part -n N --part I | flo-rfm --db ...`\n"
"keeps part I's store live.\n"
"\n"
"  -n, --parts N             the number of parts, 1 to 65536\n"
"      --part I              write part I (0 to N-1) to stdout, the rest not\n"
"      --prefix PREFIX       write every part, part I to PREFIX<I>.csv (.tsv,\n"
"                            .jsonl: the input's format), each created anew\n"
"      --id FIELD            customer id (customer_id, customer, customerid,\n"
"                            cust_id, user_id, id, master_id: the first present)\n"
"  -i, --input-format FMT    csv, tsv or jsonl (default: detected)\n"
"      --skip-bad            skip bad records (counted on stderr) instead of stopping\n"
"      --rejects FILE        keep skipped records verbatim in FILE (implies --skip-bad)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"The part of a customer id is flo_hash(id) mod N, flo_hash the 64-bit hash\n"
"of the id's bytes (as unquoted: CSV quotes and JSON escapes removed) that\n"
"the README spells out, so that any program can route orders the same way.\n"
"A record with an empty id (a guest's order, which flo-rfm skips and counts)\n"
"goes to part 0.\n"
"\n"
"Exit status: 0 success, 2 usage, 65 bad input data (a record without the id\n"
"field), 66 unreadable input, 74 write error.\n";

static const char *const id_names[] = {"customer_id", "customer", "customerid", "cust_id",
				       "user_id", "id", "master_id"};
#define NID_NAMES (sizeof id_names / sizeof *id_names)

struct options {
	long parts, part;
	const char *prefix, *id, *path;
	enum flo_format in_fmt;
	struct flo_bad bad;
};

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_PART = 256, OPT_PREFIX, OPT_ID };
	static const struct option longopts[] = {
		{"parts", required_argument, NULL, 'n'},
		{"part", required_argument, NULL, OPT_PART},
		{"prefix", required_argument, NULL, OPT_PREFIX},
		{"id", required_argument, NULL, OPT_ID},
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const struct flo_common_opts common = {&o->in_fmt, NULL, &o->bad, usage, NULL};
	const char *part = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":n:i:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o->parts = flo_opt_long("--parts", optarg, 1, 65536); break;
		case OPT_PART: part = optarg; break;
		case OPT_PREFIX: o->prefix = optarg; break;
		case OPT_ID: o->id = optarg; break;
		default:
			if (!flo_common_option(c, optarg, &common))
				flo_option_error(c, argv);
		}
	}
	o->path = flo_one_input(argc, argv);
	if (o->parts == 0)
		flo_usage_error("the number of parts is required: -n N");
	if ((part == NULL) == (o->prefix == NULL))
		flo_usage_error("give one of --part I and --prefix PREFIX");
	if (part != NULL)
		o->part = flo_opt_long("--part", part, 0, o->parts - 1);
	if (o->id != NULL && o->id[0] == '\0')
		flo_usage_error("option --id: empty field name");
	o->bad.input_name = flo_input_name(o->path);
}

/* The parts' files: all N with --prefix, else stdout as part --part. */
struct outputs {
	FILE **f;
	char **path;
	long n;
};

/* stdio's buffer is 4 kB: a part gets 256 kB, so that writing N parts costs
 * few system calls however finely the records interleave. */
#define PART_BUFFER (256 << 10)

static void open_outputs(struct outputs *out, const struct options *o, enum flo_format fmt)
{
	static const char *const ext[] = {[FLO_FMT_CSV] = "csv", [FLO_FMT_TSV] = "tsv",
					  [FLO_FMT_JSONL] = "jsonl"};
	out->n = o->parts;
	out->f = flo_xcalloc((size_t)o->parts, sizeof *out->f);
	out->path = flo_xcalloc((size_t)o->parts, sizeof *out->path);
	for (long i = 0; i < o->parts; i++) {
		if (o->prefix == NULL) {
			if (i == o->part)
				out->f[i] = stdout, out->path[i] = flo_xstrdup("stdout");
			continue;
		}
		size_t len = strlen(o->prefix) + 32;
		out->path[i] = flo_xcalloc(len, 1);
		snprintf(out->path[i], len, "%s%ld.%s", o->prefix, i, ext[fmt]);
		out->f[i] = fopen(out->path[i], "w");
		if (out->f[i] == NULL)
			flo_die(FLO_EXIT_IOERR, "cannot write %s: %s", out->path[i], strerror(errno));
	}
	for (long i = 0; i < o->parts; i++)
		if (out->f[i] != NULL)
			setvbuf(out->f[i], NULL, _IOFBF, PART_BUFFER);
}

static void write_line(const struct outputs *out, long i, const char *text, size_t len)
{
	if (out->f[i] == NULL)
		return;
	if (fwrite(text, 1, len, out->f[i]) != len || putc('\n', out->f[i]) == EOF)
		flo_die(FLO_EXIT_IOERR, "write error on %s: %s", out->path[i], strerror(errno));
}

/* Out whenever the input has nothing waiting: behind `tail -F` each order
 * reaches its part's live flo-rfm at once. */
static void flush_outputs(void *ctx)
{
	const struct outputs *out = ctx;
	for (long i = 0; i < out->n; i++)
		if (out->f[i] != NULL && fflush(out->f[i]) != 0)
			flo_die(FLO_EXIT_IOERR, "write error on %s: %s", out->path[i],
				strerror(errno));
}

static void close_outputs(struct outputs *out)
{
	for (long i = 0; i < out->n; i++) {
		if (out->f[i] != NULL && (fflush(out->f[i]) != 0 || ferror(out->f[i]) ||
					  (out->f[i] != stdout && fclose(out->f[i]) != 0)))
			flo_die(FLO_EXIT_IOERR, "write error on %s: %s", out->path[i],
				strerror(errno));
		free(out->path[i]);
	}
	free(out->f);
	free(out->path);
}

/* The id field of the current record: --id, else the first of id_names
 * the input has (looked up once, at the first record). */
static const struct flo_field *id_field(flo_reader *r, const struct options *o,
					struct flo_col *col)
{
	if (col->name != NULL)
		return flo_reader_get(r, col);
	if (o->id != NULL) {
		*col = FLO_COL(o->id);
		return flo_reader_get(r, col);
	}
	for (size_t k = 0; k < NID_NAMES; k++) {
		struct flo_col try = FLO_COL(id_names[k]);
		const struct flo_field *f = flo_reader_get(r, &try);
		if (f != NULL) {
			*col = try;
			return f;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	flo_cli_init("flo-part");
	parse_options(argc, argv, &o);

	flo_reader *r;
	if (flo_reader_new(&r, flo_open_input(o.path), o.in_fmt) != FLO_OK)
		flo_out_of_memory();
	struct outputs out = {0};
	struct flo_col col = {0};
	int got, header_done = 0;
	while ((got = flo_reader_next(r)) != 0) {
		if (got < 0) {
			flo_reader_failed(&o.bad, r, got);
			continue;
		}
		if (out.f == NULL) {
			open_outputs(&out, &o, flo_reader_format(r));
			flo_reader_on_refill(r, flush_outputs, &out);
		}
		if (!header_done) {
			size_t hlen;
			const char *h = flo_reader_raw_header(r, &hlen);
			for (long i = 0; h != NULL && i < out.n; i++)
				write_line(&out, i, h, hlen);
			header_done = 1;
		}
		const struct flo_field *id = id_field(r, &o, &col);
		if (id == NULL) {
			char hint[FLO_SEPARATOR_HINT];
			size_t nh;
			const struct flo_field *h = flo_reader_header(r, &nh);
			flo_bad_record(&o.bad, r, FLO_EXIT_DATAERR, "no customer id field (%s)%s",
				       o.id != NULL ? o.id : "customer_id, customer, ...: use --id",
				       flo_separator_hint(h, nh, flo_reader_format(r), hint));
			continue;
		}
		/* The routing rule the README states: flo_hash(id) mod N. */
		long part = id->len == 0 ? 0 : (long)(flo_hash(id->val, id->len) % (uint64_t)o.parts);
		size_t len;
		const char *raw = flo_reader_raw(r, &len);
		write_line(&out, part, raw, len);
	}
	flo_bad_finish(&o.bad);
	if (out.f == NULL) /* no record: the parts are empty files */
		open_outputs(&out, &o, o.in_fmt ? o.in_fmt : FLO_FMT_CSV);
	if (!header_done) {
		size_t hlen;
		const char *h = flo_reader_raw_header(r, &hlen);
		for (long i = 0; h != NULL && i < out.n; i++)
			write_line(&out, i, h, hlen);
	}
	flo_reader_free(r);
	close_outputs(&out);
	return 0;
}
