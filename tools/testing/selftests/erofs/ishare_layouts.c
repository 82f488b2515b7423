// SPDX-License-Identifier: GPL-2.0
/*
 * Sharing across data layouts: one file stored differently in two images
 * (compressed or not, lz4 or lz4hc, tail-packed or not, chunk-based or
 * not) still shares one page cache.  Each layout pair proves the sharing
 * with mincore and the counters of /sys/fs/erofs, checks every file's
 * bytes, and unmounts either image while readers of the other one run.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define ROUNDS	12

/* BIG_FILE from the source tree, its size and its mapping's length */
struct big_file {
	char *want;
	size_t size, len;
};

FIXTURE(layouts) {
	struct big_file big;
};

/* a: compressed or otherwise unlike b; mkimages.sh recipes */
FIXTURE_VARIANT(layouts) {
	struct variant_images img;
};

FIXTURE_VARIANT_ADD(layouts, lz4_plain_file) {
	.img = { "digest-lz4", "digest-noinline", false },
};

FIXTURE_VARIANT_ADD(layouts, lz4_plain_loop) {
	.img = { "digest-lz4", "digest-noinline", true },
};

FIXTURE_VARIANT_ADD(layouts, lz4hc_lz4_file) {
	.img = { "digest-lz4hc", "digest-lz4", false },
};

FIXTURE_VARIANT_ADD(layouts, lz4hc_lz4_loop) {
	.img = { "digest-lz4hc", "digest-lz4", true },
};

FIXTURE_VARIANT_ADD(layouts, tail_plain_file) {
	.img = { "digest", "digest-noinline", false },
};

FIXTURE_VARIANT_ADD(layouts, tail_plain_loop) {
	.img = { "digest", "digest-noinline", true },
};

FIXTURE_VARIANT_ADD(layouts, ztail_plain_file) {
	.img = { "digest-tail", "digest-noinline", false },
};

FIXTURE_VARIANT_ADD(layouts, ztail_plain_loop) {
	.img = { "digest-tail", "digest-noinline", true },
};

FIXTURE_VARIANT_ADD(layouts, chunk_plain_file) {
	.img = { "digest-chunk", "digest-noinline", false },
};

FIXTURE_VARIANT_ADD(layouts, chunk_plain_loop) {
	.img = { "digest-chunk", "digest-noinline", true },
};

FIXTURE_SETUP(layouts)
{
	ssize_t n;

	ISHARE_PREPARE(true, return);

	n = ishare_slurp(ishare_tree(BIG_FILE), &self->big.want);
	ASSERT_GT(n, 0);
	self->big.size = n;
	self->big.len = ishare_pages(n) * getpagesize();
}

FIXTURE_TEARDOWN(layouts)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	free(self->big.want);
}

/* every file of @mnt has the bytes of the source tree; 0 or -1 */
static int all_files_right(const char *mnt)
{
	char path[PATH_MAX], *got, *want;
	ssize_t n, m;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ishare_nr_files && !ret; i++) {
		snprintf(path, sizeof(path), "%s/%s", mnt, ishare_files[i]);
		n = ishare_slurp(path, &got);
		m = ishare_slurp(ishare_tree(ishare_files[i]), &want);
		if (n < 0 || n != m || memcmp(got, want, n))
			ret = -1;
		if (n >= 0)
			free(got);
		if (m >= 0)
			free(want);
	}
	return ret;
}

static bool big_file_right(const char *mnt, const char *want, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/" BIG_FILE, mnt);
	return ishare_file_is(path, want, size);
}

TEST_F_TIMEOUT(layouts, one_cache_both_ways, 300)
{
	long pages = ishare_pages(self->big.size), reads;
	char fs_a[256], fs_b[256];

	ASSERT_EQ(0, ishare_mount_named(variant->img.a, MNT_A, variant->img.loop,
					DOMAIN_OPTS, fs_a, sizeof(fs_a)));
	ASSERT_EQ(0, ishare_mount_named(variant->img.b, MNT_B, variant->img.loop,
					DOMAIN_OPTS, fs_b, sizeof(fs_b)));

	/* read through A, resident through B, and the other way round */
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_EQ(0, ishare_resident_path(MNT_B "/" BIG_FILE));
	EXPECT_TRUE(big_file_right(MNT_A, self->big.want, self->big.size));
	EXPECT_EQ(pages, ishare_resident_path(MNT_B "/" BIG_FILE));
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_EQ(0, ishare_resident_path(MNT_A "/" BIG_FILE));
	EXPECT_TRUE(big_file_right(MNT_B, self->big.want, self->big.size));
	EXPECT_EQ(pages, ishare_resident_path(MNT_A "/" BIG_FILE));

	/* B filled it: a read through A is served from B's fill */
	reads = ishare_counter(fs_a, "ishare_reads_from_others");
	ASSERT_LE(0, reads);
	EXPECT_TRUE(big_file_right(MNT_A, self->big.want, self->big.size));
	EXPECT_EQ(reads + 1, ishare_counter(fs_a, "ishare_reads_from_others"));
	EXPECT_LE(pages, ishare_counter("ishare", "cached_pages"));

	/* every file right through both, each one shared */
	EXPECT_EQ(0, all_files_right(MNT_A));
	EXPECT_EQ(0, all_files_right(MNT_B));
	EXPECT_LE(ishare_nr_files - 2, ishare_counter(fs_a, "ishare_files"));
	EXPECT_LE(ishare_nr_files - 2, ishare_counter(fs_b, "ishare_files"));
	EXPECT_LE(2 * (ishare_nr_files - 2),
		  ishare_counter("ishare", "sharer_inodes"));
	EXPECT_LE(ishare_nr_files / 2,
		  ishare_counter("ishare", "shared_inodes"));

	ASSERT_EQ(0, umount2(MNT_A, 0));
	ASSERT_EQ(0, umount2(MNT_B, 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "shared_inodes", 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "cached_pages", 0));
}

/*
 * @gone (recipe, mount point) is mounted, read, mapped and unmounted
 * ROUNDS times (umount -l with a live mapping every other round) while a
 * process reads the same file through @stays
 */
static void umount_while_other_reads(struct __test_metadata *_metadata,
				     const struct big_file *big, bool loop,
				     const char *gone, const char *gone_mnt,
				     const char *stays, const char *stays_mnt)
{
	char path[PATH_MAX], *map;
	int i, status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/" BIG_FILE, gone_mnt);
	ASSERT_EQ(0, ishare_mount(stays, stays_mnt, loop, DOMAIN_OPTS));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		snprintf(path, sizeof(path), "%s/" BIG_FILE, stays_mnt);
		ishare_read_forever(path, big->want, big->size, big->len);
	}

	for (i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(0, ishare_mount(gone, gone_mnt, loop, DOMAIN_OPTS));
		EXPECT_TRUE(big_file_right(gone_mnt, big->want, big->size))
			TH_LOG("round %d", i);
		map = ishare_map(path, big->len, MAP_SHARED);
		ASSERT_NE(MAP_FAILED, map);
		EXPECT_EQ(0, memcmp(big->want, map, big->size));
		if (i % 2) {
			munmap(map, big->len);
			map = NULL;
		}
		ASSERT_EQ(0, umount2(gone_mnt, map ? MNT_DETACH : 0))
			TH_LOG("round %d", i);
		if (map) {
			EXPECT_EQ(0, memcmp(big->want, map, big->size))
				TH_LOG("round %d: mapping after umount -l", i);
			munmap(map, big->len);
		}
		ASSERT_EQ(0, waitpid(pid, &status, WNOHANG))
			TH_LOG("the reader stopped in round %d: %d", i,
			       WEXITSTATUS(status));
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* the content was shared all along */
	ASSERT_EQ(0, ishare_mount(gone, gone_mnt, loop, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(big_file_right(stays_mnt, big->want, big->size));
	EXPECT_EQ((long)ishare_pages(big->size), ishare_resident_path(path));
	ASSERT_EQ(0, umount2(gone_mnt, 0));
	ASSERT_EQ(0, umount2(stays_mnt, 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "shared_inodes", 0));
}

TEST_F_TIMEOUT(layouts, umount_a_while_b_is_read, 300)
{
	umount_while_other_reads(_metadata, &self->big, variant->img.loop,
				 variant->img.a, MNT_A, variant->img.b, MNT_B);
}

TEST_F_TIMEOUT(layouts, umount_b_while_a_is_read, 300)
{
	umount_while_other_reads(_metadata, &self->big, variant->img.loop,
				 variant->img.b, MNT_B, variant->img.a, MNT_A);
}

TEST_HARNESS_MAIN
