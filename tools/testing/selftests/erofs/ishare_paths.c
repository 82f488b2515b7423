// SPDX-License-Identifier: GPL-2.0
/*
 * What users see of a shared file is their own file: /proc/self/maps,
 * /proc/self/map_files and /proc/self/fd give the path they opened, with
 * the dev and ino that statx() gives, stat and xattrs are those of an
 * unshared mount, and no pseudo file shows up anywhere.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define FILE_A	MNT_A "/" BIG_FILE
#define FILE_B	MNT_B "/" BIG_FILE

FIXTURE(paths) {
	size_t len;
};

FIXTURE_VARIANT(paths) {
	struct variant_images img;
};

FIXTURE_VARIANT_ADD(paths, flat_file) {
	.img = { "digest", "digest-copy", false },
};

FIXTURE_VARIANT_ADD(paths, flat_loop) {
	.img = { "digest", "digest-copy", true },
};

FIXTURE_VARIANT_ADD(paths, lz4_file) {
	.img = { "digest-lz4", "digest-lz4", false },
};

FIXTURE_VARIANT_ADD(paths, lz4_loop) {
	.img = { "digest-lz4", "digest-lz4", true },
};

FIXTURE_SETUP(paths)
{
	struct stat st;

	ISHARE_PREPARE(true, return);

	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_C, variant->img.loop,
				  NULL));
	ASSERT_EQ(0, stat(FILE_A, &st));
	self->len = st.st_size;
	ASSERT_EQ(0, ishare_drop_caches());
}

FIXTURE_TEARDOWN(paths)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	umount2(MNT_C, MNT_DETACH);
}

struct maps_entry {
	unsigned long start, end;
	unsigned int major, minor;
	unsigned long long ino;
	char path[PATH_MAX];
};

/* the /proc/self/maps line of @addr; 0, or -1 when there is none */
static int maps_find(void *addr, struct maps_entry *e, char *pseudo,
		     size_t len)
{
	char line[PATH_MAX];
	int found = -1, off;
	FILE *f;

	pseudo[0] = '\0';
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "erofs_ishare") || strstr(line, "[ishare") ||
		    strstr(line, "anon_inode:"))
			snprintf(pseudo, len, "%s", line);
		if (!found)
			continue;
		off = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %x:%x %llu %n",
			   &e->start, &e->end, &e->major, &e->minor, &e->ino,
			   &off) < 5 || !off)
			continue;
		if (e->start != (unsigned long)addr)
			continue;
		snprintf(e->path, sizeof(e->path), "%s", line + off);
		found = 0;
	}
	fclose(f);
	return found;
}

/* the mapping of @path in maps and map_files matches statx() of its fd */
static void check_mapping(struct __test_metadata *_metadata,
			  const char *path, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX], pseudo[PATH_MAX];
	struct maps_entry e;
	struct statx stx;
	struct stat st;
	void *addr;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	addr = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, addr);
	ASSERT_EQ(0, statx(fd, "", AT_EMPTY_PATH, STATX_INO, &stx));
	ishare_touch(addr, len);

	ASSERT_EQ(0, maps_find(addr, &e, pseudo, sizeof(pseudo)));
	EXPECT_STREQ("", pseudo);
	EXPECT_STREQ(path, e.path);
	EXPECT_EQ(stx.stx_dev_major, e.major);
	EXPECT_EQ(stx.stx_dev_minor, e.minor);
	EXPECT_EQ(stx.stx_ino, e.ino);

	snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx",
		 e.start, e.end);
	n = readlink(link, target, sizeof(target) - 1);
	ASSERT_LT(0, n);
	target[n] = '\0';
	EXPECT_STREQ(path, target);
	ASSERT_EQ(0, stat(link, &st));
	EXPECT_EQ(makedev(stx.stx_dev_major, stx.stx_dev_minor), st.st_dev);
	EXPECT_EQ(stx.stx_ino, st.st_ino);

	munmap(addr, len);
	close(fd);
}

TEST_F(paths, maps_and_map_files)
{
	check_mapping(_metadata, FILE_A, self->len);
	/* the mapping of A filled the cache B reads */
	EXPECT_EQ((long)ishare_pages(self->len), ishare_resident_path(FILE_B));
	check_mapping(_metadata, FILE_B, self->len);
}

/* mnt_id of an open file from /proc/self/fdinfo */
static long fdinfo_mnt_id(int fd)
{
	char path[64], line[256];
	long id = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "mnt_id: %ld", &id) == 1)
			break;
	fclose(f);
	return id;
}

TEST_F(paths, fd_link_and_fdinfo)
{
	static const char * const paths[] = { FILE_A, FILE_B };
	char link[64], target[PATH_MAX], *buf;
	struct statx stx, mnt;
	unsigned int i;
	struct stat st;
	ssize_t n;
	int fd;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		fd = open(paths[i], O_RDONLY);
		ASSERT_LE(0, fd);
		buf = malloc(self->len);
		ASSERT_NE(NULL, buf);
		ASSERT_EQ(self->len, read(fd, buf, self->len));
		free(buf);

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		ASSERT_LT(0, n);
		target[n] = '\0';
		EXPECT_STREQ(paths[i], target);

		ASSERT_EQ(0, statx(fd, "", AT_EMPTY_PATH,
				   STATX_INO | STATX_MNT_ID, &stx));
		ASSERT_EQ(0, statx(AT_FDCWD, i ? MNT_B : MNT_A, 0,
				   STATX_MNT_ID, &mnt));
		EXPECT_EQ(mnt.stx_mnt_id, stx.stx_mnt_id);
		EXPECT_EQ((long)mnt.stx_mnt_id, fdinfo_mnt_id(fd));
		EXPECT_EQ(mnt.stx_dev_major, stx.stx_dev_major);
		EXPECT_EQ(mnt.stx_dev_minor, stx.stx_dev_minor);
		ASSERT_EQ(0, stat(link, &st));
		EXPECT_EQ(stx.stx_ino, st.st_ino);
		EXPECT_EQ(makedev(stx.stx_dev_major, stx.stx_dev_minor),
			  st.st_dev);
		close(fd);
		if (!i)
			EXPECT_EQ((long)ishare_pages(self->len),
				  ishare_resident_path(FILE_B));
	}
}

/* stat and xattrs through a sharing mount equal those without sharing */
TEST_F(paths, stat_and_xattrs_unchanged)
{
	static const char * const files[] = {
		BIG_FILE, "text-100", "random-4097", "dir/hardlink",
	};
	char b[PATH_MAX], c[PATH_MAX], val[64], *got;
	struct stat sb, sc, root;
	unsigned int i;
	ssize_t n;

	ASSERT_EQ(0, stat(MNT_B, &root));
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(b, sizeof(b), MNT_B "/%s", files[i]);
		snprintf(c, sizeof(c), MNT_C "/%s", files[i]);
		ASSERT_EQ(0, stat(b, &sb));
		ASSERT_EQ(0, stat(c, &sc));
		EXPECT_EQ(root.st_dev, sb.st_dev) TH_LOG("%s", b);
		EXPECT_EQ(sc.st_ino, sb.st_ino) TH_LOG("%s", b);
		EXPECT_EQ(sc.st_mode, sb.st_mode);
		EXPECT_EQ(sc.st_nlink, sb.st_nlink);
		EXPECT_EQ(sc.st_size, sb.st_size);
		EXPECT_EQ(sc.st_blocks, sb.st_blocks);
		EXPECT_EQ(sc.st_mtim.tv_sec, sb.st_mtim.tv_sec);
		EXPECT_EQ(sc.st_mtim.tv_nsec, sb.st_mtim.tv_nsec);
		EXPECT_EQ(sc.st_uid, sb.st_uid);
	}
	n = getxattr(MNT_A "/text-100", "user.comment", val, sizeof(val));
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, memcmp("kept", val, 4));
	n = getxattr(MNT_B "/text-100", "user.comment", val, sizeof(val));
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, memcmp("kept", val, 4));
	EXPECT_EQ(listxattr(MNT_C "/" BIG_FILE, NULL, 0),
		  listxattr(MNT_B "/" BIG_FILE, NULL, 0));

	/* and they are shared: reading A fills B */
	ASSERT_EQ(0, ishare_drop_caches());
	ASSERT_EQ(0, ishare_resident_path(MNT_B "/text-100"));
	ASSERT_EQ(100, ishare_slurp(MNT_A "/text-100", &got));
	free(got);
	EXPECT_EQ(1, ishare_resident_path(MNT_B "/text-100"));
}

TEST_HARNESS_MAIN
