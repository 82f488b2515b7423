// SPDX-License-Identifier: GPL-2.0
/*
 * reader: read every file named on stdin (one path a line) completely,
 * or with -o only open and close it, and print
 * "files=N bytes=N ns=N" (ns: wall time of the whole loop).
 * reader -m OPTIONS: mount(2) erofs read-only with OPTIONS for every
 * "SOURCE TARGET" line on stdin and print "mounts=N ns=N".
 * Static and tiny, so that running it inside the measured memory cgroup
 * charges no page cache of its own.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>

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

int main(int argc, char **argv)
{
	int open_only = argc > 1 && !strcmp(argv[1], "-o");
	long long files = 0, bytes = 0, t0;
	char path[4096];
	int err = 0;

	if (argc > 2 && !strcmp(argv[1], "-m"))
		return mount_all(argv[2]);
	t0 = now_ns();
	while (fgets(path, sizeof(path), stdin)) {
		size_t len = strlen(path);
		ssize_t n;
		int fd;

		if (len && path[len - 1] == '\n')
			path[--len] = 0;
		if (!len)
			continue;
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
