// SPDX-License-Identifier: GPL-2.0
/*
 * Images that make fuzz (scripts/fuzz.sh) found to upset the kernel, each
 * rebuilt from a valid image by its recipe in images/: every one must
 * fail to mount (or mount and read) cleanly, on a loop device and from a
 * file, with and without a domain, and leave no WARN, BUG or KASAN report
 * in the kernel log.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

FIXTURE(found) {
};

FIXTURE_VARIANT(found) {
	bool loop;
	const char *opts;
};

FIXTURE_VARIANT_ADD(found, file_domain) {
	.loop = false, .opts = DOMAIN_OPTS,
};

FIXTURE_VARIANT_ADD(found, loop_domain) {
	.loop = true, .opts = DOMAIN_OPTS,
};

FIXTURE_VARIANT_ADD(found, file_plain) {
	.loop = false, .opts = NULL,
};

FIXTURE_VARIANT_ADD(found, loop_plain) {
	.loop = true, .opts = NULL,
};

FIXTURE_SETUP(found)
{
	ISHARE_PREPARE(true, return);
}

FIXTURE_TEARDOWN(found)
{
	umount2(MNT_C, MNT_DETACH);
}

/* mount @recipe on MNT_C, unmount it; -errno, kernel messages in @log */
static int mount_log(const char *recipe, bool loop, const char *opts,
		     char *log, size_t len)
{
	int fd = ishare_kmsg_open(), ret;

	ret = ishare_mount(recipe, MNT_C, loop, opts);
	if (!ret)
		umount2(MNT_C, 0);
	ishare_kmsg_read(fd, log, len);
	close(fd);
	return ret;
}

static bool splat(const char *log)
{
	return strstr(log, "WARNING:") || strstr(log, "BUG:") ||
	       strstr(log, "KASAN") || strstr(log, "Oops");
}

/*
 * images/corrupt-prefix-len.sh: a long xattr prefix of 257 bytes, read
 * after the root dentry exists, so the failed mount goes through
 * put_super, which flushed a sharing work item not yet set up (WARN in
 * __flush_work)
 */
TEST_F(found, corrupt_prefix_len)
{
	char log[16384];
	int ret;

	ret = mount_log("corrupt-prefix-len", variant->loop, variant->opts,
			log, sizeof(log));
	EXPECT_EQ(-EUCLEAN, ret);
	EXPECT_FALSE(splat(log)) TH_LOG("kernel log:\n%s", log);
}

/*
 * images/corrupt-nid.sh: a root directory entry whose nid has bit 58 set,
 * so that nid << 5 wraps around.  Looking it up read the inode at the
 * wrapped address and then its xattrs past the end of the device (WARN in
 * iomap_iter on a loop device).  Every other entry stays readable.
 */
TEST_F(found, corrupt_nid)
{
	int fd = ishare_kmsg_open(), corrupt = 0, other = 0;
	char log[16384];
	struct dirent *d;
	struct stat st;
	DIR *dir;

	ASSERT_EQ(0, ishare_mount("corrupt-nid", MNT_C, variant->loop,
				  variant->opts));
	dir = opendir(MNT_C);
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		if (!fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (errno == EUCLEAN)
			corrupt++;
		else
			other++;
		TH_LOG("%s: %s", d->d_name, strerror(errno));
	}
	closedir(dir);
	EXPECT_EQ(0, ishare_umount(MNT_C, 0));
	ishare_kmsg_read(fd, log, sizeof(log));
	close(fd);
	EXPECT_EQ(1, corrupt);
	EXPECT_EQ(0, other);
	EXPECT_FALSE(splat(log)) TH_LOG("kernel log:\n%s", log);
}

/*
 * images/corrupt-frag-size.py: files kept whole in the packed inode's
 * fragment, their i_size made 1.9 GB.  The fragment's extent spans the
 * whole i_size and read-ahead grew to cover it: the first read filled the
 * page cache with locked folios until the machine thrashed.  Reading the
 * first 64 KiB must end (with data or an error) and leave the file's page
 * cache within a read-ahead window's reach.
 */
#define FRAG_SIZE	0x78000000UL
#define FRAG_MAX_PAGES	4096	/* 16 MiB, far above any read-ahead window */

TEST_F_TIMEOUT(found, corrupt_frag_size, 600)
{
	int kmsg = ishare_kmsg_open(), files = 0;
	char log[16384], path[PATH_MAX];
	static char buf[65536];
	struct dirent *d;
	DIR *dir;

	ASSERT_EQ(0, ishare_mount("corrupt-frag-size", MNT_C, variant->loop,
				  variant->opts));
	dir = opendir(MNT_C);
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		struct stat st;
		void *map;
		long pages;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", MNT_C, d->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		ASSERT_EQ(FRAG_SIZE, st.st_size) TH_LOG("%s", path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		if (read(fd, buf, sizeof(buf)) < 0)
			TH_LOG("%s: %s", path, strerror(errno));
		map = mmap(NULL, FRAG_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, map);
		pages = ishare_resident(map, FRAG_SIZE);
		EXPECT_GE(FRAG_MAX_PAGES, pages) TH_LOG("%s", path);
		munmap(map, FRAG_SIZE);
		close(fd);
		files++;
	}
	closedir(dir);
	EXPECT_EQ(0, ishare_umount(MNT_C, 0));
	EXPECT_LT(0, files);
	ishare_kmsg_read(kmsg, log, sizeof(log));
	close(kmsg);
	EXPECT_FALSE(splat(log)) TH_LOG("kernel log:\n%s", log);
}

TEST_HARNESS_MAIN
