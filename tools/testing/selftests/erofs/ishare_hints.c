// SPDX-License-Identifier: GPL-2.0
/*
 * Page cache hints act on the one shared cache: POSIX_FADV_DONTNEED
 * through mount A drops the pages mount B sees, POSIX_FADV_WILLNEED and
 * readahead(2) through one mount fill them for the other.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define MID_A	MNT_A "/" MID_FILE
#define MID_B	MNT_B "/" MID_FILE
#define BIG_A	MNT_A "/" BIG_FILE
#define BIG_B	MNT_B "/" BIG_FILE
#define MID_C	MNT_C "/" MID_FILE

FIXTURE(hints) {
	char *want;		/* MID_FILE from the source tree */
	size_t size;
	long pages;
};

FIXTURE_VARIANT(hints) {
	struct variant_images img;
};

FIXTURE_VARIANT_ADD(hints, flat_file) {
	.img = { "digest", "digest-copy", false },
};

FIXTURE_VARIANT_ADD(hints, flat_loop) {
	.img = { "digest", "digest-copy", true },
};

FIXTURE_VARIANT_ADD(hints, lz4_file) {
	.img = { "digest-lz4", "digest-lz4", false },
};

FIXTURE_VARIANT_ADD(hints, lz4_loop) {
	.img = { "digest-lz4", "digest-lz4", true },
};

FIXTURE_VARIANT_ADD(hints, tail_file) {
	.img = { "digest-tail", "digest-tail", false },
};

FIXTURE_VARIANT_ADD(hints, tail_loop) {
	.img = { "digest-tail", "digest-tail", true },
};

/* one content stored in two layouts: flat and lz4hc */
FIXTURE_VARIANT_ADD(hints, mixed_file) {
	.img = { "digest-lz4hc", "digest-noinline", false },
};

FIXTURE_VARIANT_ADD(hints, mixed_loop) {
	.img = { "digest-noinline", "digest-lz4hc", true },
};

FIXTURE_SETUP(hints)
{
	ssize_t n;

	ISHARE_PREPARE(true, return);

	n = ishare_slurp(ishare_tree(MID_FILE), &self->want);
	ASSERT_GT(n, 0);
	self->size = n;
	self->pages = ishare_pages(n);
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	/* the reference: B's image without sharing */
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_C, variant->img.loop,
				  NULL));
	ASSERT_EQ(0, ishare_drop_caches());
	ASSERT_EQ(0, ishare_resident_path(MID_A));
	ASSERT_EQ(0, ishare_resident_path(MID_B));
}

FIXTURE_TEARDOWN(hints)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	umount2(MNT_C, MNT_DETACH);
	free(self->want);
}

/* resident pages of @path once @want are there, or after two seconds */
static long wait_resident(const char *path, long want)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	long res = 0;
	int i;

	for (i = 0; i < 100; i++) {
		res = ishare_resident_path(path);
		if (res < 0 || res >= want)
			break;
		nanosleep(&ts, NULL);
	}
	return res;
}

static bool reads_ok(const char *path, const char *want, size_t size)
{
	char *got;
	bool ok;

	if (ishare_slurp(path, &got) != (ssize_t)size)
		return false;
	ok = !memcmp(want, got, size);
	free(got);
	return ok;
}

/* posix_fadvise(@advice) on all of @path */
static int fadvise_path(const char *path, int advice)
{
	int fd, ret;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ret = posix_fadvise(fd, 0, 0, advice);
	close(fd);
	return ret;
}

TEST_F(hints, dontneed_on_a_drops_b)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i;

	/* what it does on an unshared file */
	ASSERT_TRUE(reads_ok(MID_C, self->want, self->size));
	ASSERT_EQ(0, fadvise_path(MID_C, POSIX_FADV_DONTNEED));
	ASSERT_EQ(0, ishare_resident_path(MID_C));

	ASSERT_TRUE(reads_ok(MID_A, self->want, self->size));
	ASSERT_EQ(self->pages, ishare_resident_path(MID_B));
	ASSERT_EQ(0, fadvise_path(MID_A, POSIX_FADV_DONTNEED));
	/*
	 * DONTNEED skips a folio someone holds; the filesystem that read it
	 * may still hold the last one it waited on, for a moment, right
	 * after the read (its tracker of reads in flight): ask again
	 */
	for (i = 0; i < 20 && ishare_resident_path(MID_B); i++) {
		nanosleep(&ts, NULL);
		ASSERT_EQ(0, fadvise_path(MID_A, POSIX_FADV_DONTNEED));
	}
	if (i)
		TH_LOG("DONTNEED asked %d more times", i);
	EXPECT_EQ(0, ishare_resident_path(MID_B));
	EXPECT_EQ(0, ishare_resident_path(MID_A));
	EXPECT_TRUE(reads_ok(MID_B, self->want, self->size));
}

TEST_F(hints, willneed_via_b_fills_a)
{
	/* what it does on an unshared file */
	ASSERT_EQ(0, fadvise_path(MID_C, POSIX_FADV_WILLNEED));
	ASSERT_EQ(self->pages, wait_resident(MID_C, self->pages));

	ASSERT_EQ(0, fadvise_path(MID_B, POSIX_FADV_WILLNEED));
	EXPECT_EQ(self->pages, wait_resident(MID_A, self->pages));
	EXPECT_TRUE(reads_ok(MID_A, self->want, self->size));
}

TEST_F(hints, readahead_via_a_fills_b)
{
	long ra;
	int fd;

	fd = open(MID_A, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, readahead(fd, 0, self->size));
	EXPECT_EQ(self->pages, wait_resident(MID_B, self->pages));
	close(fd);
	EXPECT_TRUE(reads_ok(MID_B, self->want, self->size));

	/* a big file: as far as the readahead window goes, B sees it */
	fd = open(BIG_A, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, readahead(fd, 0, 1 << 20));
	ra = wait_resident(BIG_A, 16);
	close(fd);
	EXPECT_LE(16, ra);
	EXPECT_EQ(ra, ishare_resident_path(BIG_B));
}

TEST_HARNESS_MAIN
