// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime: mount A comes and goes (umount and umount -l, with and without
 * a live mapping) while another process reads and maps the same content
 * through mount B; B's bytes stay right, every unmount succeeds and the
 * kernel complains about nothing.  After the last unmount no shared inode
 * is left: the allocated inode count (/proc/sys/fs/inode-nr) goes back,
 * and so do the counters of /sys/fs/erofs/ishare.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define ROUNDS	40

FIXTURE(lifetime) {
	char *want;		/* BIG_FILE from the source tree */
	size_t size, len;
};

FIXTURE_VARIANT(lifetime) {
	struct variant_images img;
};

FIXTURE_VARIANT_ADD(lifetime, flat_file) {
	.img = { "digest", "digest-copy", false },
};

FIXTURE_VARIANT_ADD(lifetime, flat_loop) {
	.img = { "digest", "digest-copy", true },
};

FIXTURE_VARIANT_ADD(lifetime, lz4_file) {
	.img = { "digest-lz4", "digest-lz4", false },
};

FIXTURE_VARIANT_ADD(lifetime, lz4_loop) {
	.img = { "digest-lz4", "digest-lz4", true },
};

FIXTURE_SETUP(lifetime)
{
	ssize_t n;

	ISHARE_PREPARE(true, return);

	n = ishare_slurp(ishare_tree(BIG_FILE), &self->want);
	ASSERT_GT(n, 0);
	self->size = n;
	self->len = ishare_pages(n) * getpagesize();
}

FIXTURE_TEARDOWN(lifetime)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	free(self->want);
}

static bool kernel_complained(const char *log)
{
	return strstr(log, "Busy inodes") || strstr(log, "BUG") ||
	       strstr(log, "WARNING") || strstr(log, "Oops");
}

TEST_F_TIMEOUT(lifetime, umount_a_while_b_is_read, 180)
{
	char log[8192], *map = NULL;
	int i, kmsg, status, flags;
	pid_t pid;

	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	kmsg = ishare_kmsg_open();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		ishare_read_forever(MNT_B "/" BIG_FILE, self->want,
				    self->size, self->len);

	for (i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A,
					  variant->img.loop, DOMAIN_OPTS));
		map = ishare_map(MNT_A "/" BIG_FILE, self->len, MAP_SHARED);
		ASSERT_NE(MAP_FAILED, map);
		ishare_touch(map, self->len);
		/*
		 * round 0 mod 3: umount -l with A still mapped, 1: umount,
		 * 2: umount -l
		 */
		flags = i % 3 == 1 ? 0 : MNT_DETACH;
		if (i % 3) {
			EXPECT_EQ(0, memcmp(self->want, map, self->size));
			munmap(map, self->len);
			map = NULL;
		}
		ASSERT_EQ(0, umount2(MNT_A, flags)) TH_LOG("round %d", i);
		if (map) {
			madvise(map, self->len, MADV_PAGEOUT);
			EXPECT_EQ(0, memcmp(self->want, map, self->size))
				TH_LOG("round %d: A's mapping after umount -l", i);
			munmap(map, self->len);
			map = NULL;
		}
		ASSERT_EQ(0, waitpid(pid, &status, WNOHANG))
			TH_LOG("the reader of B stopped in round %d: %d", i,
			       WEXITSTATUS(status));
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_EQ(0, umount2(MNT_B, 0));

	ishare_kmsg_read(kmsg, log, sizeof(log));
	EXPECT_FALSE(kernel_complained(log)) TH_LOG("kernel log:\n%s", log);

	/* the content was shared all along */
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_drop_caches());
	map = ishare_map(MNT_B "/" BIG_FILE, self->len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(0, memcmp(self->want, map, self->size));
	EXPECT_EQ((long)ishare_pages(self->size),
		  ishare_resident_path(MNT_A "/" BIG_FILE));
	munmap(map, self->len);
}

/* open and read every file of @dir; 0 or -1 */
static int read_all(const char *dir)
{
	char path[PATH_MAX], *buf;
	unsigned int i;

	for (i = 0; i < ishare_nr_files; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ishare_files[i]);
		if (ishare_slurp(path, &buf) <= 0)
			return -1;
		free(buf);
	}
	return 0;
}

TEST_F(lifetime, no_shared_inode_after_last_umount)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	long k = ishare_nr_files, n0, n1, n2, n3;
	int i;

	/* once, so that loop devices and /proc inodes exist before n0 */
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, read_all(MNT_A));
	ASSERT_EQ(0, umount2(MNT_A, 0));
	ASSERT_EQ(0, umount2(MNT_B, 0));
	n0 = ishare_nr_inodes();
	ASSERT_LT(0, n0);

	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, read_all(MNT_A));
	ASSERT_EQ(0, read_all(MNT_B));
	n1 = ishare_nr_inodes();
	ASSERT_EQ(0, umount2(MNT_A, 0));
	n2 = ishare_nr_inodes();
	ASSERT_EQ(0, umount2(MNT_B, 0));
	for (i = 0; i < 40; i++) {
		n3 = ishare_nr_inodes();
		if (n3 - n0 <= k / 4)
			break;
		nanosleep(&ts, NULL);
	}
	TH_LOG("%ld files: inodes +%ld with A and B, +%ld with B, +%ld after",
	       k, n1 - n0, n2 - n0, n3 - n0);
	/* each file: A's inode, B's inode and one shared inode */
	EXPECT_LE(k * 2 + k / 2, n1 - n0);
	/* B's inodes and the shared ones outlive A */
	EXPECT_LE(k + k / 2, n2 - n0);
	EXPECT_GE(k / 4, n3 - n0);

	/* and the counters of /sys/fs/erofs/ishare say so */
	EXPECT_EQ(0, ishare_counter_settle("ishare", "shared_inodes", 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "sharer_inodes", 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "cached_pages", 0));
}

TEST_HARNESS_MAIN
