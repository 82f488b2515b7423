// SPDX-License-Identifier: GPL-2.0
/*
 * FIBMAP on a shared file fails with EINVAL, as it does in stock 6.12 for
 * any file whose mapping has no ->bmap (Documentation/filesystems/
 * erofs-ishare.rst: FIBMAP is not available on shared files), and the
 * caller's block number reads 0.  The same file on a block device without
 * a domain maps to a real block, so the error comes from sharing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

FIXTURE(fibmap) {
};

FIXTURE_VARIANT(fibmap) {
	bool loop;
};

FIXTURE_VARIANT_ADD(fibmap, file) {
	.loop = false,
};

FIXTURE_VARIANT_ADD(fibmap, loop) {
	.loop = true,
};

FIXTURE_SETUP(fibmap)
{
	ISHARE_PREPARE(true, return);
	ASSERT_EQ(0, ishare_mount("digest", MNT_A, variant->loop, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("digest-copy", MNT_B, variant->loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("digest", MNT_C, true, NULL));
}

FIXTURE_TEARDOWN(fibmap)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	umount2(MNT_C, MNT_DETACH);
}

/* FIBMAP of logical block @blk of @path: the block, or -errno */
static long fibmap(const char *path, int blk)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = ioctl(fd, FIBMAP, &blk) ? -errno : 0;
	close(fd);
	return err ? err : blk;
}

TEST_F(fibmap, shared_file_einval)
{
	int fd, blk = 1;
	char *buf;

	/* with and without pages in the shared cache */
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_EQ(-EINVAL, fibmap(MNT_A "/" BIG_FILE, 0));
	ASSERT_LT(0, ishare_slurp(MNT_A "/" BIG_FILE, &buf));
	free(buf);
	ASSERT_LT(0, ishare_resident_path(MNT_B "/" BIG_FILE));
	EXPECT_EQ(-EINVAL, fibmap(MNT_A "/" BIG_FILE, 0));
	EXPECT_EQ(-EINVAL, fibmap(MNT_B "/" BIG_FILE, 1));
	EXPECT_EQ(-EINVAL, fibmap(MNT_A "/" MID_FILE, 0));

	/* the caller's block number is cleared */
	fd = open(MNT_B "/" BIG_FILE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, FIBMAP, &blk));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, blk);
	close(fd);
}

/* control: stock erofs maps the same flat file on a block device */
TEST_F(fibmap, unshared_block_device_maps)
{
	EXPECT_LT(0, fibmap(MNT_C "/" BIG_FILE, 0));
	EXPECT_LT(0, fibmap(MNT_C "/" BIG_FILE, 100));
}

TEST_HARNESS_MAIN
