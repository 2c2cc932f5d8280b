/* drive: run a command many times, one after the other, and report the
 * wall time of each run (process start to exit, measured around
 * posix_spawn + wait4) and the peak RSS the kernel reports for it (the
 * same ru_maxrss that /usr/bin/time -f %M prints).
 *
 *   drive RUNS INPUT OUTPUT -- COMMAND [ARG...]
 *
 * INPUT is a file given to every run on stdin, or a directory whose files
 * (in name order) are given in turn, wrapping around.  The command's
 * stdout is appended to OUTPUT (/dev/null to drop it); stderr is kept.
 * Prints one line of key=value pairs: runs, failed (exit status not 0),
 * median_us, mean_us, p10_us, p90_us, min_us, max_us, total_s, cpu_us
 * (median user + system time, which other load disturbs less than wall
 * time), rss_kb (median peak RSS) and rss_max_kb.  Exit status 1 if any
 * run failed.
 *
 * For runs split into rounds (tests/bench/run interleaves its contenders, so
 * that a change in the machine's load hits all of them alike):
 * DRIVE_START=K starts at the K-th input instead of the first, and
 * DRIVE_LOG=FILE appends one line per run to FILE: wall_us cpu_us rss_kb
 * and 1 if it exited 0, else 0. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The input files: the directory's regular files sorted, or path itself. */
static char **inputs(const char *path, size_t *n)
{
	struct stat st;
	struct dirent *de;
	char **v = NULL;
	DIR *d;

	*n = 0;
	if (stat(path, &st) < 0)
		return NULL;
	if (!S_ISDIR(st.st_mode)) {
		v = malloc(sizeof *v);
		v[0] = strdup(path);
		*n = 1;
		return v;
	}
	if ((d = opendir(path)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		v = realloc(v, (*n + 1) * sizeof *v);
		if (asprintf(&v[*n], "%s/%s", path, de->d_name) < 0)
			exit(2);
		(*n)++;
	}
	closedir(d);
	qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

/* One run: wall and CPU time in us, peak RSS in KB; -1 if it did not
 * exit 0. */
static int run_once(char **argv, const char *in, const char *out, long *us,
		    long *cpu, long *rss)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	long t0;
	pid_t pid;
	int status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_APPEND | O_CREAT, 0644);
	t0 = now_us();
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "drive: cannot run %s: %s\n", argv[0], strerror(rc));
		exit(2);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("drive: wait4");
		exit(2);
	}
	*us = now_us() - t0;
	*cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
	*rss = ru.ru_maxrss;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	long runs, *us, *cpu, *rss, total = 0, failed = 0;
	const char *start = getenv("DRIVE_START"), *logpath = getenv("DRIVE_LOG");
	size_t n_in, first = start != NULL ? (size_t)strtoul(start, NULL, 10) : 0;
	FILE *logf = NULL;
	char **in;

	if (argc < 6 || strcmp(argv[4], "--") != 0 || (runs = atol(argv[1])) < 1) {
		fprintf(stderr, "usage: drive RUNS INPUT OUTPUT -- COMMAND [ARG...]\n");
		return 2;
	}
	if ((in = inputs(argv[2], &n_in)) == NULL || n_in == 0) {
		fprintf(stderr, "drive: no input at %s\n", argv[2]);
		return 2;
	}
	us = calloc((size_t)runs, sizeof *us);
	cpu = calloc((size_t)runs, sizeof *cpu);
	rss = calloc((size_t)runs, sizeof *rss);
	if (us == NULL || cpu == NULL || rss == NULL)
		return 2;
	if (logpath != NULL && (logf = fopen(logpath, "a")) == NULL) {
		perror("drive: DRIVE_LOG");
		return 2;
	}
	for (long i = 0; i < runs; i++) {
		int ok = run_once(argv + 5, in[(first + (size_t)i) % n_in], argv[3],
				  &us[i], &cpu[i], &rss[i]) == 0;

		failed += !ok;
		total += us[i];
		if (logf != NULL)
			fprintf(logf, "%ld %ld %ld %d\n", us[i], cpu[i], rss[i], ok);
	}
	if (logf != NULL && fclose(logf) != 0) {
		perror("drive: DRIVE_LOG");
		return 2;
	}
	qsort(us, (size_t)runs, sizeof *us, cmp_long);
	qsort(cpu, (size_t)runs, sizeof *cpu, cmp_long);
	qsort(rss, (size_t)runs, sizeof *rss, cmp_long);
	printf("runs=%ld failed=%ld median_us=%ld mean_us=%ld p10_us=%ld p90_us=%ld "
	       "min_us=%ld max_us=%ld total_s=%.3f cpu_us=%ld rss_kb=%ld rss_max_kb=%ld\n",
	       runs, failed, us[runs / 2], total / runs, us[runs / 10],
	       us[runs * 9 / 10], us[0], us[runs - 1], total / 1e6, cpu[runs / 2],
	       rss[runs / 2], rss[runs - 1]);
	return failed ? 1 : 0;
}
