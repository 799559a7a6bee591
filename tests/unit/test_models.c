/* test_models.c: model documents from and to files and the store
 * (lib/store/models.h): what comes back, and the code and words of each
 * failure. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "base/err.h"
#include "store/models.h"
#include "store/store.h"

static char tmpdir[64];

static const char *path(const char *name)
{
	static char paths[4][256];
	static int next;
	char *p = paths[next++ % 4];

	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

/* What the tests leave in the directory. */
static void clean(void)
{
	static const char *const left[] = {"m.json", "bad.json", "big", "file", "s/data.mdb",
					   "s/lock.mdb", "s/writer.lock", "s"};
	for (size_t i = 0; i < sizeof left / sizeof left[0]; i++)
		CHECK(remove(path(left[i])) == 0);
	CHECK(rmdir(tmpdir) == 0);
}

static const char doc[] =
	"{\"format\": \"flo-model 1\", \"unit\": \"day\",\n"
	" \"bgnbd\": {\"params\": {\"r\": 0.243, \"alpha\": 30.898, \"a\": 0.793, \"b\": 2.426}},\n"
	" \"gamma_gamma\": {\"params\": {\"p\": 6.25, \"q\": 3.74, \"v\": 15.44}}}\n";

static void check_cdnow(const struct flo_model *m)
{
	CHECK_STR(m->unit, "day");
	CHECK(m->bgnbd.r == 0.243 && m->bgnbd.alpha == 30.898);
	CHECK(m->bgnbd.a == 0.793 && m->bgnbd.b == 2.426);
	CHECK(m->has_gg && m->gg.p == 6.25 && m->gg.q == 3.74 && m->gg.v == 15.44);
}

/* msg is `want` with each @ the path of `name` under the directory. */
static void check_msg(int line, const char *msg, const char *want, const char *name)
{
	char w[FLO_MODELS_MSG] = "";
	const char *p = path(name);

	for (size_t i = 0, n = 0; want[i] != '\0' && n + 256 < sizeof w; i++)
		if (want[i] == '@')
			n += (size_t)snprintf(w + n, sizeof w - n, "%s", p);
		else
			w[n++] = want[i];
	check_count++;
	if (strcmp(msg, w) != 0) {
		check_failures++;
		fprintf(stderr, "%s:%d: message \"%s\", want \"%s\"\n", __FILE__, line, msg, w);
	}
}

static void test_file(void)
{
	struct flo_model m = {.has_gg = 0};
	char msg[FLO_MODELS_MSG] = "";

	CHECK_INT(flo_model_save_file(path("m.json"), doc, msg), FLO_OK);
	CHECK_STR(msg, "");
	CHECK_INT(flo_model_load_file(path("m.json"), &m, msg), FLO_OK);
	check_cdnow(&m);

	CHECK_INT(flo_model_load_file(path("none.json"), &m, msg), FLO_EIO);
	check_msg(__LINE__, msg, "cannot open model @: No such file or directory", "none.json");
	CHECK_INT(flo_model_load_file(tmpdir, &m, msg), FLO_EIO);
	CHECK(strncmp(msg, "cannot read model /tmp/", 23) == 0 && strstr(msg, ": Is a directory"));
	CHECK_INT(flo_model_save_file(path("no/m.json"), doc, msg), FLO_EIO);
	check_msg(__LINE__, msg, "cannot write @: No such file or directory", "no/m.json");

	CHECK_INT(flo_model_save_file(path("bad.json"), "{\"format\": \"flo-model 2\"}", msg),
		  FLO_OK);
	CHECK_INT(flo_model_load_file(path("bad.json"), &m, msg), FLO_EVERSION);
	check_msg(__LINE__, msg, "model @: model format \"flo-model 2\" is not the one this flo "
		  "reads (\"flo-model 1\"): refit the model with this flo's flo-fit, or score "
		  "with the flo that wrote it", "bad.json");
	CHECK_INT(flo_model_save_file(path("bad.json"), "", msg), FLO_OK);
	CHECK_INT(flo_model_load_file(path("bad.json"), &m, msg), FLO_ESYNTAX);
	CHECK(strstr(msg, "bad.json: not JSON: ") != NULL);

	/* a file below the largest size is read, and refused as no model */
	FILE *f = fopen(path("big"), "w");
	CHECK(f != NULL && ftruncate(fileno(f), (off_t)FLO_MODEL_FILE_MAX - 1) == 0);
	fclose(f);
	CHECK_INT(flo_model_load_file(path("big"), &m, msg), FLO_ESYNTAX);
	f = fopen(path("big"), "a");
	CHECK(f != NULL && fputc('x', f) == 'x');
	fclose(f);
	CHECK_INT(flo_model_load_file(path("big"), &m, msg), FLO_ETOOLONG);
	check_msg(__LINE__, msg, "model @: over 16 MiB, not a model", "big");
	check_cdnow(&m); /* untouched by the failures */
}

static void test_store(void)
{
	struct flo_model m = {.has_gg = 0};
	char msg[FLO_MODELS_MSG] = "";

	CHECK_INT(flo_model_load_stored(path("s"), "default", &m, msg), FLO_ENOTFOUND);
	check_msg(__LINE__, msg, "@: no such store", "s");
	CHECK_INT(flo_model_save_stored(path("s"), "cdnow", doc, msg), FLO_OK);
	CHECK_INT(flo_model_load_stored(path("s"), "cdnow", &m, msg), FLO_OK);
	check_cdnow(&m);
	CHECK_INT(flo_model_load_stored(path("s"), "default", &m, msg), FLO_ENOTFOUND);
	check_msg(__LINE__, msg, "@: no model \"default\" in the store", "s");

	CHECK_INT(flo_model_save_stored(path("s"), "bad", "{\"format\": \"flo-model 1\"}", msg),
		  FLO_OK);
	CHECK_INT(flo_model_load_stored(path("s"), "bad", &m, msg), FLO_EMODEL);
	check_msg(__LINE__, msg, "model \"bad\" in @: no \"unit\"", "s");

	/* a file where the store's directory should be */
	CHECK_INT(flo_model_save_file(path("file"), doc, msg), FLO_OK);
	CHECK(flo_model_save_stored(path("file"), "x", doc, msg) != FLO_OK);
	check_msg(__LINE__, msg, "store @: @: not a directory (a store is a directory)", "file");
	CHECK_INT(flo_model_save_stored(path("s"), "", doc, msg), FLO_EUSAGE);
	CHECK(strncmp(msg, "store /tmp/", 11) == 0);
	check_cdnow(&m);
}

int main(void)
{
	strcpy(tmpdir, "/tmp/flo-test-models-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_file();
	test_store();
	clean();
	return check_report();
}
