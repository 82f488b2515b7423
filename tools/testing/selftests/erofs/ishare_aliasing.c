// SPDX-License-Identifier: GPL-2.0
/*
 * Sharing keys never alias, end to end, with fingerprints set by hand
 * (images/alias.sh): fingerprint "ab" in domain "c" against "a" in domain
 * "bc", "c" in domain "ab" against "bc" in domain "a" (equal as plain
 * concatenations), and "sha256:x" against "sha256:xy" in one domain (one
 * value a prefix of the other).  Such files never share: each reads its
 * own bytes and finds none of its pages cached by the other.  Each file's
 * twin (same fingerprint, size and domain, other bytes) does share with
 * it, which shows that the hand-set fingerprints are the ones in use.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define FINGERPRINT	"trusted.erofs.fingerprint.v1"
#define SIZE		4096

FIXTURE(aliasing) {
	char src[PATH_MAX];	/* the source tree of alias.erofs */
};

FIXTURE_VARIANT(aliasing) {
	const char *a_domain, *a_file;	/* mount A: a file in a domain */
	const char *b_domain, *b_file;	/* mount B */
};

FIXTURE_VARIANT_ADD(aliasing, fp_ab_domain_c__fp_a_domain_bc) {
	.a_domain = "c", .a_file = "ab",
	.b_domain = "bc", .b_file = "a",
};

FIXTURE_VARIANT_ADD(aliasing, fp_c_domain_ab__fp_bc_domain_a) {
	.a_domain = "ab", .a_file = "c",
	.b_domain = "a", .b_file = "bc",
};

FIXTURE_VARIANT_ADD(aliasing, fp_sha256_x__fp_sha256_xy) {
	.a_domain = "ishare-selftest", .a_file = "x",
	.b_domain = "ishare-selftest", .b_file = "xy",
};

FIXTURE_VARIANT_ADD(aliasing, fp_sha256_xy__fp_sha256_x) {
	.a_domain = "ishare-selftest", .a_file = "xy",
	.b_domain = "ishare-selftest", .b_file = "x",
};

static void mount_in(struct __test_metadata *_metadata, const char *dir,
		     const char *domain)
{
	char opts[64];

	snprintf(opts, sizeof(opts), "domain_id=%s", domain);
	ASSERT_EQ(0, ishare_mount("alias", dir, false, opts))
		TH_LOG("mount alias.erofs -o %s", opts);
}

FIXTURE_SETUP(aliasing)
{
	ISHARE_PREPARE(true, return);

	/* alias.erofs was built from the tree alias beside it */
	snprintf(self->src, sizeof(self->src), "%s", ishare_source("alias"));
	mount_in(_metadata, MNT_A, variant->a_domain);
	mount_in(_metadata, MNT_B, variant->b_domain);
}

FIXTURE_TEARDOWN(aliasing)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
}

/* @mnt/@name reads the bytes of the source file @as */
static bool reads_as(const char *src, const char *mnt, const char *name,
		     const char *as)
{
	char path[PATH_MAX], *want;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", src, as);
	if (ishare_slurp(path, &want) != SIZE)
		return false;
	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	ok = ishare_file_is(path, want, SIZE);
	free(want);
	return ok;
}

static long resident(const char *mnt, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	return ishare_resident_path(path);
}

/* the fingerprint the kernel shows for @mnt/@name is @fp */
static bool fingerprint_is(const char *mnt, const char *name, const char *fp)
{
	char path[PATH_MAX], val[256];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	n = getxattr(path, FINGERPRINT, val, sizeof(val));
	return n == (ssize_t)strlen(fp) && !memcmp(val, fp, n);
}

static const char *fp_of(const char *file)
{
	static char fp[32];

	if (strcmp(file, "x") && strcmp(file, "xy"))
		return file;
	snprintf(fp, sizeof(fp), "sha256:%s", file);
	return fp;
}

TEST_F(aliasing, fingerprints_as_set)
{
	EXPECT_TRUE(fingerprint_is(MNT_A, variant->a_file,
				   fp_of(variant->a_file)));
	EXPECT_TRUE(fingerprint_is(MNT_B, variant->b_file,
				   fp_of(variant->b_file)));
}

/* A's file first, then B's: B's is not cached and reads its own bytes */
TEST_F(aliasing, never_share)
{
	const char *a = variant->a_file, *b = variant->b_file;

	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(reads_as(self->src, MNT_A, a, a));
	EXPECT_EQ(1, resident(MNT_A, a));
	EXPECT_EQ(0, resident(MNT_B, b))
		TH_LOG("%s in domain %s found %s's page of domain %s", b,
		       variant->b_domain, a, variant->a_domain);
	EXPECT_TRUE(reads_as(self->src, MNT_B, b, b));

	/* and the other way round */
	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(reads_as(self->src, MNT_B, b, b));
	EXPECT_EQ(0, resident(MNT_A, a));
	EXPECT_TRUE(reads_as(self->src, MNT_A, a, a));
}

/*
 * control: a twin (same fingerprint, size and domain, other bytes) reads
 * the bytes of whichever file of its key was read first
 */
TEST_F(aliasing, twins_share)
{
	char twin[64];

	ASSERT_EQ(0, ishare_drop_caches());
	EXPECT_TRUE(reads_as(self->src, MNT_A, variant->a_file,
			     variant->a_file));
	snprintf(twin, sizeof(twin), "%s-twin", variant->a_file);
	EXPECT_EQ(1, resident(MNT_A, twin));
	EXPECT_TRUE(reads_as(self->src, MNT_A, twin, variant->a_file));

	snprintf(twin, sizeof(twin), "%s-twin", variant->b_file);
	EXPECT_TRUE(reads_as(self->src, MNT_B, twin, twin));
	EXPECT_TRUE(reads_as(self->src, MNT_B, variant->b_file, twin));
}

TEST_HARNESS_MAIN
