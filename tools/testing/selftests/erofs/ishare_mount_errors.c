// SPDX-License-Identifier: GPL-2.0
/*
 * Mount options and on-disk errors: inode_share is accepted with a domain
 * and refused (EINVAL, with a message) without one, dax=always with a
 * domain is refused, /proc/self/mountinfo shows domain_id= and inode_share
 * so that a mount or remount rebuilt from it shares again (sysfs never
 * names a filesystem after its domain), and an image
 * whose fingerprint prefix index (superblock byte 105) is out of range
 * fails to mount as a corrupted image (EUCLEAN), with a message.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define REBUILT		"ishare-rebuilt"

/* mount @recipe on MNT_C; 0 or -errno, kernel messages in @log */
static int mount_log(const char *recipe, bool loop, const char *opts,
		     char *log, size_t len)
{
	int fd = ishare_kmsg_open(), ret;

	ret = ishare_mount(recipe, MNT_C, loop, opts);
	ishare_kmsg_read(fd, log, len);
	close(fd);
	if (!ret)
		umount2(MNT_C, 0);
	return ret;
}

/* an entry of directory @path has a name containing @s */
static bool dir_has(const char *path, const char *s)
{
	struct dirent *d;
	bool found = false;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir)))
		found = strstr(d->d_name, s);
	closedir(dir);
	return found;
}

FIXTURE(errors) {
	char log[8192];
};

FIXTURE_VARIANT(errors) {
	bool loop;
};

FIXTURE_VARIANT_ADD(errors, file) {
	.loop = false,
};

FIXTURE_VARIANT_ADD(errors, loop) {
	.loop = true,
};

FIXTURE_SETUP(errors)
{
	ISHARE_PREPARE(true, return);
}

FIXTURE_TEARDOWN(errors)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	umount2(MNT_C, MNT_DETACH);
}

TEST_F(errors, inode_share_without_domain)
{
	EXPECT_EQ(-EINVAL, mount_log("digest", variant->loop, "inode_share",
				     self->log, sizeof(self->log)));
	EXPECT_NE(NULL, strstr(self->log, "inode_share requires domain_id"))
		TH_LOG("kernel said: %s", self->log);

	/* an image without fingerprints: the same refusal */
	EXPECT_EQ(-EINVAL, mount_log("plain", variant->loop, "inode_share",
				     self->log, sizeof(self->log)));
	EXPECT_NE(NULL, strstr(self->log, "inode_share requires domain_id"))
		TH_LOG("kernel said: %s", self->log);
	/* the same options with a domain mount */
	EXPECT_EQ(0, mount_log("digest", variant->loop,
			       "inode_share," DOMAIN_OPTS, self->log,
			       sizeof(self->log)));
}

TEST_F(errors, dax_with_domain)
{
	static const char * const opts[] = {
		"dax=always," DOMAIN_OPTS,
		"dax," DOMAIN_OPTS,
		"inode_share,dax=always," DOMAIN_OPTS,
		DOMAIN_OPTS ",dax=always",
	};
	unsigned int i;
	bool no_dax;
	int ret;

	/* as stock 6.12: a kernel without FS_DAX refuses every dax option */
	ret = mount_log("digest", variant->loop, "dax=always", self->log,
			sizeof(self->log));
	no_dax = strstr(self->log, "dax options not supported");
	if (no_dax) {
		EXPECT_EQ(-EINVAL, ret);
	} else {
		/* with FS_DAX but no DAX device, DAX goes off */
		EXPECT_EQ(0, ret) TH_LOG("dax=always without a domain: %s",
					 strerror(-ret));
		EXPECT_NE(NULL, strstr(self->log, "DAX unsupported"))
			TH_LOG("kernel said: %s", self->log);
	}
	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		EXPECT_EQ(-EINVAL, mount_log("digest", variant->loop, opts[i],
					     self->log, sizeof(self->log)))
			TH_LOG("-o %s", opts[i]);
		EXPECT_NE(NULL, strstr(self->log, no_dax ?
				       "dax options not supported" :
				       "dax=always cannot be used with page cache sharing"))
			TH_LOG("-o %s: kernel said: %s", opts[i], self->log);
	}
	EXPECT_EQ(0, mount_log("digest", variant->loop, DOMAIN_OPTS, self->log,
			       sizeof(self->log)));
}

/* the super options of the mount on @dir in /proc/self/mountinfo */
static int super_options(const char *dir, char *opts, size_t len)
{
	char line[4096], mnt[PATH_MAX], found[4096], *sep;
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* id parent major:minor root mount-point ... - type src opts */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    strcmp(mnt, dir))
			continue;
		sep = strstr(line, " - ");
		if (sep && sscanf(sep, " - %*s %*s %4095s", found) == 1) {
			snprintf(opts, len, "%s", found);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

TEST_F(errors, options_shown_and_rebuilt_from_mountinfo)
{
	char opts[4096];
	ssize_t n;
	char *got;

	ASSERT_EQ(0, ishare_mount("digest", MNT_A, variant->loop,
				  "inode_share,domain_id=" REBUILT));
	ASSERT_EQ(0, super_options(MNT_A, opts, sizeof(opts)));
	EXPECT_NE(NULL, strstr(opts, ",domain_id=" REBUILT)) TH_LOG("%s", opts);
	EXPECT_NE(NULL, strstr(opts, ",inode_share")) TH_LOG("%s", opts);
	EXPECT_FALSE(dir_has("/sys/fs/erofs", REBUILT));

	/* a mount and a remount made from those options share */
	ASSERT_EQ(0, ishare_mount("digest-copy", MNT_B, variant->loop, opts));
	ASSERT_EQ(0, mount(NULL, MNT_A, NULL, MS_REMOUNT | MS_RDONLY, opts));
	ASSERT_EQ(0, ishare_drop_caches());
	n = ishare_slurp(MNT_A "/" BIG_FILE, &got);
	ASSERT_LT(0, n);
	free(got);
	EXPECT_EQ((long)ishare_pages(n),
		  ishare_resident_path(MNT_B "/" BIG_FILE));
}

/* no feature probe here: these must fail, not skip, without the feature */
FIXTURE(format) {
	char log[8192];
};

FIXTURE_VARIANT(format) {
	bool loop;
};

FIXTURE_VARIANT_ADD(format, file) {
	.loop = false,
};

FIXTURE_VARIANT_ADD(format, loop) {
	.loop = true,
};

FIXTURE_SETUP(format)
{
	ISHARE_PREPARE(false, return);
}

FIXTURE_TEARDOWN(format)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	umount2(MNT_C, MNT_DETACH);
}

TEST_F(format, inode_share_with_domain)
{
	ASSERT_EQ(0, ishare_mount("digest", MNT_A, variant->loop,
				  "inode_share," DOMAIN_OPTS))
		TH_LOG("the kernel refuses -o inode_share,domain_id=");
	/* two mounts of one domain (no sysfs name collision) */
	ASSERT_EQ(0, ishare_mount("digest-copy", MNT_B, variant->loop,
				  "inode_share," DOMAIN_OPTS));
	EXPECT_EQ(0, umount2(MNT_A, 0));
	EXPECT_EQ(0, umount2(MNT_B, 0));
}

TEST_F(format, corrupt_prefix_id)
{
	static const char * const opts[] = { NULL, DOMAIN_OPTS };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		/* the image it was patched from is fine */
		EXPECT_EQ(0, mount_log("prefix-ok", variant->loop, opts[i],
				       self->log, sizeof(self->log)));
		EXPECT_EQ(-EUCLEAN, mount_log("corrupt-prefix", variant->loop,
					      opts[i], self->log,
					      sizeof(self->log)))
			TH_LOG("-o %s", opts[i] ? opts[i] : "");
		EXPECT_NE(NULL, strstr(self->log, "invalid ishare xattr prefix id"))
			TH_LOG("kernel said: %s", self->log);
	}
}

TEST_HARNESS_MAIN
