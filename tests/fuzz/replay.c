/* Standalone driver for libFuzzer targets when libFuzzer is not available
 * (gcc builds, `make check`): link it with any target and pass files or
 * corpus directories.  Each input is read into a heap buffer of exactly its
 * size, so sanitizers catch reads past the end just as under libFuzzer.
 * Directory entries are replayed in sorted order for reproducible runs;
 * only regular files are used (no recursion).  A crash aborts the run; an
 * unreadable argument is an error (exit 1) so a missing corpus cannot pass
 * silently.  Prints "replayed N inputs" and exits 0. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in the target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	uint8_t *p = NULL;
	size_t n;

	errno = 0;
	if (f == NULL || fstat(fileno(f), &sb) < 0)
		goto fail;
	n = (size_t)sb.st_size;
	/* malloc(0) may return NULL; one spare byte that the target never sees */
	p = malloc(n > 0 ? n : 1);
	if (p == NULL || fread(p, 1, n, f) != n)
		goto fail;
	fclose(f);
	LLVMFuzzerTestOneInput(p, n);
	free(p);
	(*count)++;
	return 0;
fail:
	fprintf(stderr, "replay: %s: %s\n", path, errno ? strerror(errno) : "short read");
	if (f != NULL)
		fclose(f);
	free(p);
	return -1;
}

static int replay_dir(const char *dir, size_t *count)
{
	struct dirent **ents;
	int n, i, rc = 0;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct stat sb;
		char *path;

		if (rc == 0 && asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			fprintf(stderr, "replay: out of memory\n");
			rc = -1;
		} else if (rc == 0) {
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
				rc = replay_file(path, count);
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int main(int argc, char **argv)
{
	struct stat sb;
	size_t count = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(sb.st_mode) ? replay_dir(argv[i], &count) < 0 :
		    replay_file(argv[i], &count) < 0)
			return 1;
	}
	printf("replayed %zu inputs\n", count);
	return 0;
}
