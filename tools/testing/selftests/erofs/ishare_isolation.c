// SPDX-License-Identifier: GPL-2.0
/*
 * Who shares and who does not: only mounts of one domain share; files of
 * one fingerprint but different sizes do not; one fingerprint on different
 * bytes of one size serves, in that domain only, the bytes cached first
 * (the security model of Documentation/filesystems/erofs-ishare.rst);
 * an image without fingerprints mounts unshared.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define OTHER_DOMAIN	"domain_id=ishare-selftest-other"
#define IDENTICAL	"identical in both trees\n"	/* images/handset.sh */
#define FINGERPRINT	"trusted.erofs.fingerprint.v1"

FIXTURE(isolation) {
	char *want;		/* BIG_FILE from the source tree */
	size_t size;
	long pages;
};

FIXTURE_VARIANT(isolation) {
	bool loop;
};

FIXTURE_VARIANT_ADD(isolation, file) {
	.loop = false,
};

FIXTURE_VARIANT_ADD(isolation, loop) {
	.loop = true,
};

FIXTURE_SETUP(isolation)
{
	ssize_t n;

	ISHARE_PREPARE(true, return);

	n = ishare_slurp(ishare_tree(BIG_FILE), &self->want);
	ASSERT_GT(n, 0);
	self->size = n;
	self->pages = ishare_pages(n);
}

FIXTURE_TEARDOWN(isolation)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	umount2(MNT_C, MNT_DETACH);
	umount2(MNT_D, MNT_DETACH);
	free(self->want);
}

/* @path holds @size bytes of @c */
static bool filled_with(const char *path, char c, size_t size)
{
	char *got;
	ssize_t n;
	size_t i;

	n = ishare_slurp(path, &got);
	if (n != (ssize_t)size) {
		free(got);
		return false;
	}
	for (i = 0; i < size && got[i] == c; i++)
		;
	free(got);
	return i == size;
}

/* both files carry one fingerprint, as images/handset.sh meant */
static bool same_fingerprint(const char *a, const char *b)
{
	char fa[256], fb[256];
	ssize_t na, nb;

	na = getxattr(a, FINGERPRINT, fa, sizeof(fa));
	nb = getxattr(b, FINGERPRINT, fb, sizeof(fb));
	return na > 0 && na == nb && !memcmp(fa, fb, na);
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

/* A and B share one domain, C is mounted with @c_opts */
static void check_c_unshared(struct __test_metadata *_metadata,
			     const char *want, size_t size, bool loop,
			     const char *c_opts)
{
	ASSERT_EQ(0, ishare_mount("digest", MNT_A, loop, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("digest-copy", MNT_B, loop, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("digest-copy", MNT_C, loop, c_opts));
	ASSERT_EQ(0, ishare_drop_caches());

	EXPECT_TRUE(reads_ok(MNT_A "/" BIG_FILE, want, size));
	EXPECT_EQ((long)ishare_pages(size),
		  ishare_resident_path(MNT_B "/" BIG_FILE));
	EXPECT_EQ(0, ishare_resident_path(MNT_C "/" BIG_FILE));

	/* and the other way round */
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(reads_ok(MNT_C "/" BIG_FILE, want, size));
	EXPECT_EQ((long)ishare_pages(size),
		  ishare_resident_path(MNT_C "/" BIG_FILE));
	EXPECT_EQ(0, ishare_resident_path(MNT_A "/" BIG_FILE));
	EXPECT_EQ(0, ishare_resident_path(MNT_B "/" BIG_FILE));
}

TEST_F(isolation, other_domain_does_not_share)
{
	check_c_unshared(_metadata, self->want, self->size, variant->loop,
			 OTHER_DOMAIN);
}

TEST_F(isolation, no_domain_does_not_share)
{
	check_c_unshared(_metadata, self->want, self->size, variant->loop,
			 NULL);
}

/* other-size: 8192 bytes in handset-a, 12288 in handset-b, one fingerprint */
TEST_F(isolation, same_fingerprint_other_size)
{
	struct stat st;

	ASSERT_EQ(0, ishare_mount("handset-a", MNT_A, variant->loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("handset-b", MNT_B, variant->loop,
				  DOMAIN_OPTS));
	ASSERT_TRUE(same_fingerprint(MNT_A "/other-size", MNT_B "/other-size"));
	ASSERT_EQ(0, stat(MNT_A "/other-size", &st));
	EXPECT_EQ(8192, st.st_size);
	ASSERT_EQ(0, stat(MNT_B "/other-size", &st));
	EXPECT_EQ(12288, st.st_size);

	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(filled_with(MNT_A "/other-size", 'o', 8192));
	EXPECT_EQ(0, ishare_resident_path(MNT_B "/other-size"));
	EXPECT_TRUE(filled_with(MNT_B "/other-size", 'o', 12288));

	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(filled_with(MNT_B "/other-size", 'o', 12288));
	EXPECT_EQ(0, ishare_resident_path(MNT_A "/other-size"));
	EXPECT_TRUE(filled_with(MNT_A "/other-size", 'o', 8192));

	/* control: the file with equal content and fingerprint is shared */
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(reads_ok(MNT_A "/identical", IDENTICAL,
			     strlen(IDENTICAL)));
	EXPECT_EQ(1, ishare_resident_path(MNT_B "/identical"));
}

/*
 * same-size: 4096 x 'a' in handset-a, 4096 x 'b' in handset-b, one
 * fingerprint.  In one domain both read the bytes of whichever mount read
 * first; another domain and unshared mounts read their own bytes.
 */
TEST_F(isolation, same_fingerprint_first_reader_wins)
{
	ASSERT_EQ(0, ishare_mount("handset-a", MNT_A, variant->loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("handset-b", MNT_B, variant->loop,
				  DOMAIN_OPTS));
	ASSERT_TRUE(same_fingerprint(MNT_A "/same-size", MNT_B "/same-size"));
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(filled_with(MNT_B "/same-size", 'b', 4096));
	EXPECT_TRUE(filled_with(MNT_A "/same-size", 'b', 4096));

	/* a new domain life: A reads first this time */
	ASSERT_EQ(0, umount2(MNT_A, 0));
	ASSERT_EQ(0, umount2(MNT_B, 0));
	ASSERT_EQ(0, ishare_drop_caches());
	ASSERT_EQ(0, ishare_mount("handset-a", MNT_A, variant->loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("handset-b", MNT_B, variant->loop,
				  DOMAIN_OPTS));
	EXPECT_TRUE(filled_with(MNT_A "/same-size", 'a', 4096));
	EXPECT_TRUE(filled_with(MNT_B "/same-size", 'a', 4096));

	/* never beyond the domain */
	ASSERT_EQ(0, ishare_mount("handset-b", MNT_C, variant->loop,
				  OTHER_DOMAIN));
	ASSERT_EQ(0, ishare_mount("handset-b", MNT_D, variant->loop, NULL));
	EXPECT_TRUE(filled_with(MNT_C "/same-size", 'b', 4096));
	EXPECT_TRUE(filled_with(MNT_D "/same-size", 'b', 4096));
	EXPECT_TRUE(filled_with(MNT_B "/same-size", 'a', 4096));
}

/*
 * erofs lines of kernel log while mounting plain.erofs with @opts on MNT_C;
 * only erofs' own lines count, as loop devices released by earlier tests
 * may log at any time.
 */
static int mount_messages(const char *opts, bool loop, char *log, size_t len)
{
	int fd = ishare_kmsg_open(), ret, lines = 0;
	char *p;

	ret = ishare_mount("plain", MNT_C, loop, opts);
	ishare_kmsg_read(fd, log, len);
	close(fd);
	if (ret)
		return ret;
	for (p = log; p && *p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, "erofs: ", 7))
			lines++;
	}
	return lines;
}

TEST_F(isolation, image_without_fingerprints_unshared)
{
	char plain[4096], domain[4096];
	int n_plain, n_domain;

	n_plain = mount_messages(NULL, variant->loop, plain, sizeof(plain));
	ASSERT_LE(0, n_plain);
	ASSERT_EQ(0, umount2(MNT_C, 0));
	n_domain = mount_messages(DOMAIN_OPTS, variant->loop, domain,
				  sizeof(domain));
	ASSERT_LE(0, n_domain);
	ASSERT_EQ(0, umount2(MNT_C, 0));
	EXPECT_EQ(n_plain + 1, n_domain)
		TH_LOG("not one more line with a domain:\n%s\nagainst\n%s",
		       domain, plain);
	EXPECT_NE(NULL, strstr(domain, "no content fingerprints"))
		TH_LOG("with a domain:\n%s", domain);
	EXPECT_EQ(NULL, strstr(plain, "no content fingerprints"))
		TH_LOG("without a domain:\n%s", plain);

	ASSERT_EQ(0, ishare_mount("plain", MNT_A, variant->loop, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("plain", MNT_B, variant->loop, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("digest", MNT_C, variant->loop, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("digest-copy", MNT_D, variant->loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(reads_ok(MNT_A "/" BIG_FILE, self->want, self->size));
	EXPECT_EQ(0, ishare_resident_path(MNT_B "/" BIG_FILE));
	EXPECT_TRUE(reads_ok(MNT_B "/" BIG_FILE, self->want, self->size));
	/* control: images with fingerprints in the same domain share */
	EXPECT_TRUE(reads_ok(MNT_C "/" BIG_FILE, self->want, self->size));
	EXPECT_EQ(self->pages, ishare_resident_path(MNT_D "/" BIG_FILE));
}

TEST_HARNESS_MAIN
