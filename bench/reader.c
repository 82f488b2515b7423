// SPDX-License-Identifier: GPL-2.0
/*
 * reader: read every file named on stdin (one path a line) completely,
 * or with -o only open and close it, and print
 * "files=N bytes=N ns=N" (ns: wall time of the whole loop).
 * reader -m OPTIONS: mount(2) erofs read-only with OPTIONS for every
 * "SOURCE TARGET" line on stdin and print "mounts=N ns=N".
 * reader -h READS BLOCK SEED FIRST LIST0 LIST1: hot random reads, see hot().
 * reader -x COMMAND [ARG...]: run COMMAND, its output to stderr, and print
 * "cpu_ns=N wall_ns=N": its user+sys CPU time and wall time.
 * Static and tiny, so that running it inside the measured memory cgroup
 * charges no page cache of its own.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char buf[1 << 17];

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int mount_all(const char *opts)
{
	char src[4096], dst[4096];
	long long n = 0, t0, ns = 0;

	while (scanf("%4095s %4095s", src, dst) == 2) {
		t0 = now_ns();
		if (mount(src, dst, "erofs", MS_RDONLY, opts)) {
			fprintf(stderr, "mount %s on %s -o %s: ", src, dst, opts);
			perror(NULL);
			return 1;
		}
		ns += now_ns() - t0;
		n++;
	}
	printf("mounts=%lld ns=%lld\n", n, ns);
	return 0;
}

/*
 * user+sys CPU time of the process, exact to the nanosecond: getrusage()
 * gives the same sum, but only as of the last tick or context switch
 */
static long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(struct timeval tv)
{
	return tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
}

struct hot_list {
	int n;
	int *fd;
	long long *pages;	/* cumulative: pages of files 0..i */
};

/* the next non-empty line of f, without its newline; 0 at the end */
static size_t next_path(FILE *f, char *path, size_t size)
{
	size_t len;

	while (fgets(path, size, f)) {
		len = strlen(path);
		if (len && path[len - 1] == '\n')
			path[--len] = 0;
		if (len)
			return len;
	}
	return 0;
}

/* open every file of LIST (one path a line) and keep its size in pages */
static int hot_open(const char *list, struct hot_list *l)
{
	char path[4096];
	long long total = 0;
	FILE *f = fopen(list, "r");
	int cap = 0;

	if (!f) {
		perror(list);
		return -1;
	}
	l->n = 0;
	l->fd = NULL;
	l->pages = NULL;
	while (next_path(f, path, sizeof(path))) {
		struct stat st;
		int fd;

		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			perror(path);
			return -1;
		}
		if (!st.st_size) {
			close(fd);
			continue;
		}
		if (l->n == cap) {
			cap = cap ? 2 * cap : 1024;
			l->fd = realloc(l->fd, cap * sizeof(*l->fd));
			l->pages = realloc(l->pages, cap * sizeof(*l->pages));
			if (!l->fd || !l->pages)
				return -1;
		}
		total += (st.st_size + 4095) / 4096;
		l->fd[l->n] = fd;
		l->pages[l->n++] = total;
	}
	fclose(f);
	return l->n ? 0 : -1;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * hot: the CPU cost of cached 4 KiB reads in two sets of files.  LIST0 and
 * LIST1 name files of the same content in the same order (one set shared,
 * the other not), all of them already in the page cache (the caller reads
 * them first).  READS random page-aligned 4 KiB preads are made in each
 * set: the same (file, page) sequence from SEED in both, in blocks of
 * BLOCK reads,
 * the sets alternating block by block in the order FIRST, other, other,
 * FIRST, FIRST... so that drift of the (emulated) CPU cancels out.  Each
 * block is timed in CPU time (CLOCK_PROCESS_CPUTIME_ID: user+sys) and wall
 * time.  Prints "reads=N cpu0_ns=N wall0_ns=N cpu1_ns=N wall1_ns=N
 * bytes0=N bytes1=N pages=N usr_ns=N sys_ns=N": totals per set, then
 * getrusage(RUSAGE_SELF) user and sys of the timed loop, both sets.
 */
static int hot(int argc, char **argv)
{
	long long reads, block, done, i, cpu[2] = { 0, 0 }, wall[2] = { 0, 0 };
	long long bytes[2] = { 0, 0 };
	struct hot_list l[2];
	struct rusage r0, r1;
	uint64_t seed, s;
	int first, k, *pf;
	long long *pp;

	struct rlimit nofile = { 1 << 16, 1 << 16 };

	if (argc != 8)
		return 2;
	/* every file of both lists stays open: raise the soft limit of 1024 */
	if (setrlimit(RLIMIT_NOFILE, &nofile)) {
		getrlimit(RLIMIT_NOFILE, &nofile);
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	reads = atoll(argv[2]);
	block = atoll(argv[3]);
	seed = strtoull(argv[4], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	first = atoi(argv[5]) ? 1 : 0;
	if (reads <= 0 || block <= 0 || hot_open(argv[6], &l[0]) ||
	    hot_open(argv[7], &l[1]))
		return 1;
	if (l[0].n != l[1].n || l[0].pages[l[0].n - 1] != l[1].pages[l[1].n - 1]) {
		fprintf(stderr, "reader -h: the two lists differ\n");
		return 1;
	}
	/* the (file, page) sequence, drawn before anything is timed */
	pf = malloc(reads * sizeof(*pf));
	pp = malloc(reads * sizeof(*pp));
	if (!pf || !pp)
		return 1;
	s = seed;
	for (i = 0; i < reads; i++) {
		long long total = l[0].pages[l[0].n - 1];
		long long page = xorshift(&s) % total;
		int lo = 0, hi = l[0].n - 1;

		while (lo < hi) {	/* first file whose cumulative > page */
			int mid = (lo + hi) / 2;

			if (l[0].pages[mid] > page)
				hi = mid;
			else
				lo = mid + 1;
		}
		pf[i] = lo;
		pp[i] = (page - (lo ? l[0].pages[lo - 1] : 0)) * 4096;
	}
	getrusage(RUSAGE_SELF, &r0);
	for (done = 0, k = 0; done < reads; done += block, k++) {
		long long end = done + block < reads ? done + block : reads;
		/* blocks k = 0, 1, 2, 3...: FIRST, other, other, FIRST */
		int pass;

		for (pass = 0; pass < 2; pass++) {
			int set = first ^ (((k & 1) ^ pass) & 1);
			long long c0, w0;
			int *fd = l[set].fd;

			c0 = cpu_ns();
			w0 = now_ns();
			for (i = done; i < end; i++) {
				ssize_t n = pread(fd[pf[i]], buf, 4096, pp[i]);

				if (n <= 0) {
					perror("pread");
					return 1;
				}
				bytes[set] += n;
			}
			wall[set] += now_ns() - w0;
			cpu[set] += cpu_ns() - c0;
		}
	}
	getrusage(RUSAGE_SELF, &r1);
	printf("reads=%lld cpu0_ns=%lld wall0_ns=%lld cpu1_ns=%lld wall1_ns=%lld "
	       "bytes0=%lld bytes1=%lld pages=%lld usr_ns=%lld sys_ns=%lld\n",
	       reads, cpu[0], wall[0], cpu[1], wall[1], bytes[0], bytes[1],
	       l[0].pages[l[0].n - 1], tv_ns(r1.ru_utime) - tv_ns(r0.ru_utime),
	       tv_ns(r1.ru_stime) - tv_ns(r0.ru_stime));
	return bytes[0] == bytes[1] ? 0 : 1;
}

/*
 * The CPU time of a command, children included.  wait4() reports what the
 * scheduler counted when it exited, to the microsecond; unlike a tick
 * sampled split of user and sys, their sum is exact.
 */
static int run_timed(char **argv)
{
	struct rusage ru;
	long long t0 = now_ns();
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		dup2(2, 1);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		return 1;
	printf("cpu_ns=%lld wall_ns=%lld\n",
	       tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime), now_ns() - t0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	int open_only = argc > 1 && !strcmp(argv[1], "-o");
	long long files = 0, bytes = 0, t0;
	char path[4096];
	int err = 0;

	if (argc > 2 && !strcmp(argv[1], "-m"))
		return mount_all(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "-h"))
		return hot(argc, argv);
	if (argc > 2 && !strcmp(argv[1], "-x"))
		return run_timed(argv + 2);
	t0 = now_ns();
	while (next_path(stdin, path, sizeof(path))) {
		ssize_t n;
		int fd;

		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(path);
			err = 1;
			continue;
		}
		files++;
		while (!open_only && (n = read(fd, buf, sizeof(buf))) > 0)
			bytes += n;
		if (!open_only && n < 0) {
			perror(path);
			err = 1;
		}
		close(fd);
	}
	printf("files=%lld bytes=%lld ns=%lld\n", files, bytes, now_ns() - t0);
	return err;
}
