/* flo-cat: records in, the same records out, in another format if asked.
 * The reader and writer of every flo tool, on their own: a format converter
 * and the check that records pass through unchanged. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cli.h"
#include "base/err.h"
#include "record/reader.h"
#include "record/writer.h"

static const char usage[] =
"usage: flo-cat [options] [file...]\n"
"\n"
"Copy records from the input to the output, converting between CSV (with a\n"
"header), TSV (with a header) and JSON Lines.  Streaming, constant memory.\n"
"\n"
"  -i, --input-format FMT    csv, tsv or jsonl (default: detected)\n"
FLO_INPUT_USAGE
"  -o, --output-format FMT   csv, tsv or jsonl (default: the input's)\n"
"      --json-strings        JSON Lines: CSV/TSV values as strings, even numbers\n"
"      --skip-bad            skip bad records (counted on stderr) instead of stopping\n"
"      --rejects FILE        keep skipped records verbatim in FILE (implies --skip-bad)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Exit status: 0 success, 2 usage, 65 bad input data, 66 unreadable input,\n"
"74 write error.\n";

static void flush_output(void *w)
{
	flo_writer_flush(w);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output-format", required_argument, NULL, 'o'},
		FLO_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	enum flo_format in_fmt = FLO_FMT_AUTO, out_fmt = FLO_FMT_AUTO;
	struct flo_bad bad = {0};
	const struct flo_common_opts common = {&in_fmt, &out_fmt, &bad, usage, NULL};
	int c;
	flo_cli_init("flo-cat");
	while ((c = getopt_long(argc, argv, ":i:o:hV", longopts, NULL)) != -1)
		if (!flo_common_option(c, optarg, &common))
			flo_option_error(c, argv);
	const char *path = flo_inputs(argc, argv);
	bad.input_name = flo_input_name(path);

	flo_reader *r;
	flo_writer *w = NULL;
	flo_open_reader(&r, path, in_fmt);
	int got;
	while ((got = flo_reader_next(r)) != 0) {
		if (got < 0) {
			flo_reader_failed(&bad, r, got);
			continue;
		}
		if (w == NULL) {
			enum flo_format fmt = out_fmt ? out_fmt : flo_reader_format(r);
			if (flo_writer_new(&w, STDOUT_FILENO, fmt) != FLO_OK)
				flo_die(FLO_EXIT_SOFTWARE, "out of memory");
			flo_reader_on_refill(r, flush_output, w);
			flo_cli_set_output(w);
			/* CSV and TSV numbers become JSON numbers (writer.h) */
			flo_writer_set_source(w, flo_reader_format(r));
		}
		size_t n;
		const struct flo_field *f = flo_reader_fields(r, &n);
		for (size_t i = 0; i < n; i++)
			flo_writer_field(w, &f[i]);
		int err = flo_writer_end(w);
		if (err == FLO_ESYNTAX) {
			flo_bad_record(&bad, r, FLO_EXIT_DATAERR, "%s", flo_writer_errmsg(w));
		} else if (err != FLO_OK) {
			/* exits on a write error; out of memory is no write error,
			 * and the writer is gone either way */
			flo_finish_output(w);
			flo_die(FLO_EXIT_SOFTWARE, "out of memory");
		}
	}
	flo_bad_finish(&bad);
	flo_reader_free(r);
	flo_finish_output(w);
	return 0;
}
