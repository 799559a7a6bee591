/* replay.c: run a harness over files, without libFuzzer: the test suite's
 * regression run of the seed corpus and of every input a fuzzer once broke
 * on (tests/fuzz/corpus/<harness>/).  With no arguments it replays
 * FUZZ_CORPUS; else the files or folders named. */
#include "fuzz.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return 1;
	}
	size_t cap = 4096, len = 0;
	unsigned char *buf = malloc(cap);
	size_t n;
	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *p = realloc(buf, cap *= 2);
			if (p == NULL)
				free(buf);
			buf = p;
		}
	}
	fclose(f);
	if (buf == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		return 1;
	}
	/* A copy of exactly len bytes, so that ASan sees a read past the end. */
	unsigned char *exact = malloc(len ? len : 1);
	if (exact == NULL)
		return 1;
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int replay(const char *path, int *count)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort), bad = 0;
	if (n < 0) {
		perror(path);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char file[4096];
			snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
			bad |= replay(file, count);
		}
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0, count = 0;
	if (argc < 2)
		bad = replay(FUZZ_CORPUS, &count);
	for (int i = 1; i < argc; i++)
		bad |= replay(argv[i], &count);
	fprintf(stderr, "replayed %d inputs\n", count);
	return bad || count == 0;
}
