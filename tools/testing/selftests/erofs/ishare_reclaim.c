// SPDX-License-Identifier: GPL-2.0
/*
 * The shared page cache lives like any page cache:
 * - inode reclaim (drop_caches=2) evicts sharers, never the shared pages;
 * - drop_caches=3 with no open file frees the pages, then the shared
 *   inodes;
 * - the last unmount of a domain frees that domain's shared inodes and
 *   leaves other domains' alone;
 * - an unmount waits for its own I/O only, never for a slow device of
 *   another domain (dm-delay);
 * - only regular files share: a fingerprint on a directory or a symlink
 *   of a hostile image changes nothing.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define OTHER_DOMAIN	"domain_id=ishare-selftest-other"
#define SLOW_DOMAIN	"domain_id=ishare-selftest-slow"
#define SLOW_MS		2000
#define DM_NAME		"ishare-slow"

FIXTURE(reclaim) {
	char *want;		/* BIG_FILE from the source tree */
	size_t size;
	long pages;
};

FIXTURE_VARIANT(reclaim) {
	struct variant_images img;
};

FIXTURE_VARIANT_ADD(reclaim, flat_file) {
	.img = { "digest", "digest-copy", false },
};

FIXTURE_VARIANT_ADD(reclaim, lz4_flat_loop) {
	.img = { "digest-lz4", "digest", true },
};

#define RECLAIM_SETUP(statement) do {					\
	ssize_t n;							\
									\
	ISHARE_PREPARE(true, statement);				\
	n = ishare_slurp(ishare_tree(BIG_FILE), &self->want);		\
	ASSERT_GT(n, 0);						\
	self->size = n;							\
	self->pages = ishare_pages(n);					\
} while (0)

static void unmount_all(char *want)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	umount2(MNT_C, MNT_DETACH);
	free(want);
}

FIXTURE_SETUP(reclaim)
{
	RECLAIM_SETUP(return);
}

FIXTURE_TEARDOWN(reclaim)
{
	unmount_all(self->want);
}

/* the same for tests that need one image pair only */
FIXTURE(hostile) {
	char *want;
	size_t size;
	long pages;
};

FIXTURE_SETUP(hostile)
{
	RECLAIM_SETUP(return);
}

FIXTURE_TEARDOWN(hostile)
{
	unmount_all(self->want);
}

/* the global counter @name of /sys/fs/erofs/ishare, once it is @want */
static long settle(const char *name, long want)
{
	return ishare_counter_settle("ishare", name, want);
}

TEST_F(reclaim, slab_reclaim_keeps_shared_cache)
{
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	/* the unshared control: the same image, no domain */
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_C, variant->img.loop,
				  NULL));
	ASSERT_TRUE(ishare_file_is(MNT_A "/" BIG_FILE, self->want, self->size));
	ASSERT_TRUE(ishare_file_is(MNT_C "/" BIG_FILE, self->want, self->size));
	ASSERT_EQ(1, ishare_counter("ishare", "shared_inodes"));

	/* closed files: inode reclaim takes the sharers, not the cache */
	ASSERT_EQ(0, ishare_drop_caches_mode(2));
	EXPECT_LE(self->pages, ishare_counter("ishare", "cached_pages"));
	EXPECT_EQ(0, settle("sharer_inodes", 0));
	EXPECT_EQ(1, ishare_counter("ishare", "shared_inodes"));

	/* the control keeps its pages, and so does the shared file */
	EXPECT_EQ(self->pages, ishare_resident_path(MNT_C "/" BIG_FILE));
	EXPECT_EQ(self->pages, ishare_resident_path(MNT_A "/" BIG_FILE));
	/* a later open through the other mount finds them too */
	EXPECT_EQ(self->pages, ishare_resident_path(MNT_B "/" BIG_FILE));
	EXPECT_TRUE(ishare_file_is(MNT_B "/" BIG_FILE, self->want, self->size));
	EXPECT_EQ(1, ishare_counter("ishare", "shared_inodes"));
}

TEST_F(reclaim, drop_caches_frees_pages_then_shared_inodes)
{
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_TRUE(ishare_file_is(MNT_A "/" BIG_FILE, self->want, self->size));
	ASSERT_TRUE(ishare_file_is(MNT_B "/" BIG_FILE, self->want, self->size));
	ASSERT_EQ(1, ishare_counter("ishare", "shared_inodes"));
	ASSERT_LE(self->pages, ishare_counter("ishare", "cached_pages"));

	/* nothing is open: the pages go, then the inodes that held them */
	ASSERT_EQ(0, ishare_drop_caches_mode(3));
	EXPECT_EQ(0, settle("cached_pages", 0));
	EXPECT_EQ(0, settle("shared_inodes", 0));
	EXPECT_EQ(0, settle("sharer_inodes", 0));

	/* and the files read right afterwards */
	EXPECT_TRUE(ishare_file_is(MNT_B "/" BIG_FILE, self->want, self->size));
	EXPECT_EQ(1, ishare_counter("ishare", "shared_inodes"));
}

TEST_F(reclaim, last_umount_of_a_domain_frees_its_cache_only)
{
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_C, variant->img.loop,
				  OTHER_DOMAIN));
	ASSERT_TRUE(ishare_file_is(MNT_A "/" BIG_FILE, self->want, self->size));
	ASSERT_TRUE(ishare_file_is(MNT_C "/" BIG_FILE, self->want, self->size));
	ASSERT_EQ(2, ishare_counter("ishare", "shared_inodes"));
	/* no sharer left, only the shared inodes and their pages */
	ASSERT_EQ(0, ishare_drop_caches_mode(2));
	ASSERT_EQ(2, ishare_counter("ishare", "shared_inodes"));
	ASSERT_EQ(2 * self->pages, ishare_counter("ishare", "cached_pages"));

	/* B still holds the domain: its cache stays */
	ASSERT_EQ(0, umount2(MNT_A, 0));
	EXPECT_EQ(2, ishare_counter("ishare", "shared_inodes"));
	EXPECT_EQ(2 * self->pages, ishare_counter("ishare", "cached_pages"));

	/* the domain's last unmount frees its cache; C's domain keeps its own */
	ASSERT_EQ(0, umount2(MNT_B, 0));
	EXPECT_EQ(1, settle("shared_inodes", 1));
	EXPECT_EQ(self->pages, settle("cached_pages", self->pages));
	EXPECT_EQ(self->pages, ishare_resident_path(MNT_C "/" BIG_FILE));

	ASSERT_EQ(0, umount2(MNT_C, 0));
	EXPECT_EQ(0, settle("shared_inodes", 0));
	EXPECT_EQ(0, settle("cached_pages", 0));
}

/* names in @dir, sorted and joined by spaces, into @buf; 0 or -errno */
static int list_dir(const char *dir, char *buf, size_t len)
{
	struct dirent **names;
	int i, n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strncat(buf, " ", len - strlen(buf) - 1);
		strncat(buf, names[i]->d_name, len - strlen(buf) - 1);
		free(names[i]);
	}
	free(names);
	return 0;
}

static bool all_bytes(const char *buf, size_t len, char c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != c)
			return false;
	return true;
}

/*
 * images/crafted.sh: a directory and a 4091-byte symlink with the
 * fingerprints, and sizes, of two regular files of the peer image
 */
TEST_F(hostile, fingerprints_on_dir_and_symlink_are_ignored)
{
	char buf[8192];
	char *data;
	ssize_t n;
	int round;

	ASSERT_EQ(0, ishare_mount("crafted-peer", MNT_A, false, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("crafted", MNT_B, false, DOMAIN_OPTS));

	for (round = 0; round < 2; round++) {
		/* round 0: the peer's files are cached first; 1: after */
		if (!round) {
			n = ishare_slurp(MNT_A "/as-link", &data);
			ASSERT_EQ(4091, n);
			EXPECT_TRUE(all_bytes(data, n, 'l'));
			free(data);
			n = ishare_slurp(MNT_A "/as-dir", &data);
			ASSERT_EQ(69, n);
			EXPECT_TRUE(all_bytes(data, n, 'd'));
			free(data);
		}
		ASSERT_EQ(0, list_dir(MNT_B "/dir", buf, sizeof(buf)))
			TH_LOG("round %d: readdir: %s", round, strerror(errno));
		EXPECT_STREQ(". .. f1 f2 f3", buf);
		n = ishare_slurp(MNT_B "/dir/f2", &data);
		ASSERT_EQ(11, n);
		EXPECT_EQ(0, memcmp(data, "crafted f2\n", 11));
		free(data);
		n = readlink(MNT_B "/link", buf, sizeof(buf));
		ASSERT_EQ(4091, n) TH_LOG("round %d: readlink: %s", round,
					  strerror(errno));
		EXPECT_TRUE(all_bytes(buf, n, 't'));
		ASSERT_EQ(0, ishare_drop_caches_mode(3));
	}
	/* the peer's files still read their own bytes */
	n = ishare_slurp(MNT_A "/as-link", &data);
	ASSERT_EQ(4091, n);
	EXPECT_TRUE(all_bytes(data, n, 'l'));
	free(data);
}

/* a device-mapper ioctl buffer: header, one target, its parameters */
struct dm_buf {
	struct dm_ioctl io;
	struct dm_target_spec spec;
	char params[128];
};

static int dm_call(int ctl, unsigned long cmd, struct dm_buf *b)
{
	b->io.version[0] = DM_VERSION_MAJOR;
	b->io.data_size = sizeof(*b);
	b->io.data_start = sizeof(b->io);
	snprintf(b->io.name, sizeof(b->io.name), "%s", DM_NAME);
	return ioctl(ctl, cmd, &b->io) ? -errno : 0;
}

/*
 * DM_NAME over block device @dev, every read delayed by @ms; its node in
 * @path; 0 or -errno
 */
static int dm_delay_create(const char *dev, unsigned int ms, char *path,
			   size_t len)
{
	struct dm_buf b = {};
	struct stat st;
	int ctl, fd, ret;
	off_t size;

	if (stat(dev, &st))
		return -errno;
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	ret = dm_call(ctl, DM_DEV_CREATE, &b);
	if (ret)
		goto out;
	memset(&b, 0, sizeof(b));
	b.io.target_count = 1;
	b.spec.length = size >> 9;
	snprintf(b.spec.target_type, sizeof(b.spec.target_type), "delay");
	snprintf(b.params, sizeof(b.params), "%u:%u 0 %u",
		 major(st.st_rdev), minor(st.st_rdev), ms);
	ret = dm_call(ctl, DM_TABLE_LOAD, &b);
	if (!ret) {
		memset(&b, 0, sizeof(b));
		ret = dm_call(ctl, DM_DEV_SUSPEND, &b);	/* resume */
	}
	if (ret) {
		memset(&b, 0, sizeof(b));
		dm_call(ctl, DM_DEV_REMOVE, &b);
		goto out;
	}
	snprintf(path, len, "/dev/dm-%u", minor(b.io.dev));
out:
	close(ctl);
	return ret;
}

static void dm_delay_remove(void)
{
	struct dm_buf b = {};
	int ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

	if (ctl >= 0) {
		dm_call(ctl, DM_DEV_REMOVE, &b);
		close(ctl);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Domain B's image sits on a device whose reads take SLOW_MS each; while
 * a reader of B waits for one, unmounting domain A takes no time.
 */
TEST_F_TIMEOUT(hostile, umount_never_waits_for_another_domain, 300)
{
	char loopdev[64], slow[64], c;
	int lfd, ready[2], status, ret;
	double t;
	pid_t pid;

	if (access("/dev/mapper/control", F_OK))
		system("modprobe dm-delay >/dev/null 2>&1");
	ASSERT_EQ(0, ishare_mount("digest", MNT_A, false, DOMAIN_OPTS));
	ASSERT_TRUE(ishare_file_is(MNT_A "/" BIG_FILE, self->want, self->size));

	lfd = ishare_loop_attach(ishare_image("digest-copy"), loopdev,
				 sizeof(loopdev));
	ASSERT_LE(0, lfd);
	ret = dm_delay_create(loopdev, SLOW_MS, slow, sizeof(slow));
	ASSERT_EQ(0, ret) TH_LOG("dm-delay over %s: %s (CONFIG_DM_DELAY?)",
				 loopdev, strerror(-ret));
	close(lfd);
	ASSERT_EQ(0, mount(slow, MNT_B, "erofs", MS_RDONLY, SLOW_DOMAIN));

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char buf[4096];
		int fd = open(MNT_B "/" BIG_FILE, O_RDONLY);

		if (fd < 0 || write(ready[1], "o", 1) != 1)
			_exit(2);
		/* the first data read: its folios stay locked for SLOW_MS */
		if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
			_exit(2);
		_exit(memcmp(buf, self->want, sizeof(buf)) ? 1 : 0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	usleep(300 * 1000);

	t = now();
	ASSERT_EQ(0, umount2(MNT_A, 0));
	t = now() - t;
	TH_LOG("umount of domain A: %.3f s while B waits %d ms a read", t,
	       SLOW_MS);
	EXPECT_GT(1.0, t);

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(0, umount2(MNT_B, 0));
	dm_delay_remove();
}

TEST_HARNESS_MAIN
