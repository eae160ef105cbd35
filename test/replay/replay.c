/* replay.c: a fuzz target without libFuzzer. Linked with one test/fuzz/fuzz_*.c and
 * built like the unit tests (gcc, ASan/UBSan), it feeds the target every file in the
 * folders it is given: the committed seeds and the inputs that once crashed, which so
 * stay fixed in every unit run, whatever the fuzzers find later.
 *
 *   replay_fuzz_X DIR...   prints "fuzz_X: N inputs replayed"; exits 1 if a folder
 *                          cannot be read; a sanitizer report aborts it.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* One file, in a buffer of exactly its size, so that a read past the end is caught. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, len = 0;
	unsigned char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *more = realloc(buf, cap *= 2);
			if (!more) {
				free(buf);
				buf = NULL;
			}
			buf = more;
		}
	}
	fclose(f);
	if (!buf)
		return -1;
	unsigned char *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	long count = 0;
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "%s: cannot read %s\n", name, argv[i]);
			return 1;
		}
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
			if (replay_file(path) != 0) {
				fprintf(stderr, "%s: cannot read %s\n", name, path);
				closedir(d);
				return 1;
			}
			count++;
		}
		closedir(d);
	}
	printf("%s: %ld inputs replayed\n", name, count);
	return 0;
}
