// SPDX-License-Identifier: GPL-2.0
/*
 * Memory cgroups and the shared cache, as the documentation states: the
 * page cache is charged to the cgroup of the task that reads it first.
 * A reader in cgroup X reads a file through mount A and is charged about
 * the file's size; a reader in cgroup Y then reads the same content
 * through mount B and is not charged.  Once X is gone (its reader exited,
 * rmdir), mount B still reads the right bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define CGROOT	"/tmp/cgroup"

FIXTURE(memcg) {
	char *want;		/* BIG_FILE from the source tree */
	size_t size;
	char x[PATH_MAX], y[PATH_MAX];
};

FIXTURE_VARIANT(memcg) {
	bool loop;
};

FIXTURE_VARIANT_ADD(memcg, file) {
	.loop = false,
};

FIXTURE_VARIANT_ADD(memcg, loop) {
	.loop = true,
};

/* the "file" bytes of @cg's memory.stat, or -errno */
static long memcg_file(const char *cg)
{
	char path[PATH_MAX], line[256];
	long bytes = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "file %ld", &bytes) == 1)
			break;
	fclose(f);
	return bytes;
}

/*
 * memory.stat lags behind: per-CPU updates reach it in batches, flushed
 * when enough piled up or every 2 s.  The "file" bytes of @cg once they
 * reach @want, or as they are after 3 s.
 */
static long memcg_file_settle(const char *cg, long want)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	long bytes = memcg_file(cg);
	int i;

	for (i = 0; i < 30 && bytes >= 0 && bytes < want; i++) {
		nanosleep(&ts, NULL);
		bytes = memcg_file(cg);
	}
	return bytes;
}

/* a child that joins @cg reads @path whole: 0 when the bytes are right */
static int read_in(const char *cg, const char *path, const char *want,
		   size_t size)
{
	char procs[PATH_MAX];
	int status;
	pid_t pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (ishare_write_str(procs, "0"))
			_exit(2);
		_exit(ishare_file_is(path, want, size) ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

FIXTURE_SETUP(memcg)
{
	struct stat st;
	ssize_t n;

	ISHARE_PREPARE(true, return);

	n = ishare_slurp(ishare_tree(BIG_FILE), &self->want);
	ASSERT_GT(n, 0);
	self->size = n;
	snprintf(self->x, sizeof(self->x), CGROOT "/ishare-x-%d", getpid());
	snprintf(self->y, sizeof(self->y), CGROOT "/ishare-y-%d", getpid());

	/* our own view of the cgroup2 hierarchy, whatever the host mounted */
	ASSERT_EQ(0, mkdir(CGROOT, 0755));
	if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
		SKIP(return, "no cgroup2: %s", strerror(errno));
	if (stat(CGROOT "/cgroup.subtree_control", &st) ||
	    ishare_write_str(CGROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller in cgroup2");
	ASSERT_EQ(0, mkdir(self->x, 0755));
	ASSERT_EQ(0, mkdir(self->y, 0755));
	ASSERT_LE(0, memcg_file(self->x)) TH_LOG("%s/memory.stat", self->x);

	ASSERT_EQ(0, ishare_mount("digest", MNT_A, variant->loop, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("digest-copy", MNT_B, variant->loop,
				  DOMAIN_OPTS));
}

FIXTURE_TEARDOWN(memcg)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	rmdir(self->x);
	rmdir(self->y);
	umount2(CGROOT, MNT_DETACH);
	free(self->want);
}

TEST_F(memcg, first_reader_is_charged)
{
	long size = self->size, x0, x1, y0, y1;

	ASSERT_EQ(0, ishare_drop_caches());
	ASSERT_EQ(0, ishare_resident_path(MNT_B "/" BIG_FILE));

	x0 = memcg_file(self->x);
	ASSERT_EQ(0, read_in(self->x, MNT_A "/" BIG_FILE, self->want, size));
	x1 = memcg_file_settle(self->x, x0 + size * 9 / 10);
	TH_LOG("X: file %ld -> %ld bytes for %ld bytes read", x0, x1, size);
	/* the whole file, maybe with the image's own pages beside it */
	EXPECT_LE(size * 9 / 10, x1 - x0);
	EXPECT_EQ((long)ishare_pages(size),
		  ishare_resident_path(MNT_B "/" BIG_FILE));

	y0 = memcg_file(self->y);
	ASSERT_EQ(0, read_in(self->y, MNT_B "/" BIG_FILE, self->want, size));
	/* as long as it takes X's charge to show */
	y1 = memcg_file_settle(self->y, y0 + size);
	TH_LOG("Y: file %ld -> %ld bytes for %ld bytes read", y0, y1, size);
	EXPECT_GT(size / 10, y1 - y0)
		TH_LOG("Y was charged for pages X had brought in");
	/* X keeps its charge: the pages are still X's */
	EXPECT_LE(size * 9 / 10, memcg_file(self->x) - x0);
}

TEST_F(memcg, reads_after_first_reader_cgroup_removed)
{
	long size = self->size;

	ASSERT_EQ(0, ishare_drop_caches());
	ASSERT_EQ(0, read_in(self->x, MNT_A "/" BIG_FILE, self->want, size));
	ASSERT_EQ(0, read_in(self->y, MNT_B "/" BIG_FILE, self->want, size));

	/* X's only task has exited: X can go, its charges go to the parent */
	ASSERT_EQ(0, rmdir(self->x)) TH_LOG("rmdir X: %s", strerror(errno));
	EXPECT_EQ(0, read_in(self->y, MNT_B "/" BIG_FILE, self->want, size));
	EXPECT_TRUE(ishare_file_is(MNT_B "/" BIG_FILE, self->want, size));
	EXPECT_TRUE(ishare_file_is(MNT_A "/" BIG_FILE, self->want, size));

	/* and after the pages are dropped and filled again */
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_EQ(0, read_in(self->y, MNT_B "/" BIG_FILE, self->want, size));
	EXPECT_TRUE(ishare_file_is(MNT_A "/" BIG_FILE, self->want, size));
}

TEST_HARNESS_MAIN
