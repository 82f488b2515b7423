// SPDX-License-Identifier: GPL-2.0
/*
 * Sharing is real: after a file is read through mount A, the same content
 * in mount B (same domain) is already in the page cache, B's mapping uses
 * the very same physical pages, and the page cache grew once, not twice.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

static const char * const files[] = {
	BIG_FILE, "random-1048699", "random-4097", "text-4095", "random-100",
	"random-65543", "zeros-300000", "sparse-2M", "dir/sub/file-3",
};

FIXTURE(share) {
	char *want;		/* BIG_FILE from the source tree */
	size_t size;
};

FIXTURE_VARIANT(share) {
	struct variant_images img;
};

FIXTURE_VARIANT_ADD(share, flat_file) {
	.img = { "digest", "digest-copy", false },
};

FIXTURE_VARIANT_ADD(share, flat_loop) {
	.img = { "digest", "digest-copy", true },
};

FIXTURE_VARIANT_ADD(share, lz4_file) {
	.img = { "digest-lz4", "digest-lz4", false },
};

FIXTURE_VARIANT_ADD(share, lz4_loop) {
	.img = { "digest-lz4", "digest-lz4", true },
};

FIXTURE_VARIANT_ADD(share, tail_file) {
	.img = { "digest-tail", "digest-tail", false },
};

FIXTURE_VARIANT_ADD(share, tail_loop) {
	.img = { "digest-tail", "digest-tail", true },
};

FIXTURE_VARIANT_ADD(share, chunk_file) {
	.img = { "digest-chunk", "digest", false },
};

FIXTURE_VARIANT_ADD(share, chunk_loop) {
	.img = { "digest-chunk", "digest", true },
};

/* one content, two layouts: flat in A, lz4 with fragments in B */
FIXTURE_VARIANT_ADD(share, mixed_file) {
	.img = { "digest", "digest-lz4", false },
};

FIXTURE_VARIANT_ADD(share, mixed_loop) {
	.img = { "digest", "digest-lz4", true },
};

FIXTURE_SETUP(share)
{
	ssize_t n;

	ISHARE_PREPARE(true, return);

	n = ishare_slurp(ishare_tree(BIG_FILE), &self->want);
	ASSERT_GT(n, 0);
	self->size = n;
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
}

FIXTURE_TEARDOWN(share)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	free(self->want);
}

/* mincore on B's mapping: every page is there once A has been read */
TEST_F(share, b_resident_after_reading_a)
{
	char path[PATH_MAX], *want, *got;
	unsigned int i;
	ssize_t n;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		n = ishare_slurp(ishare_tree(files[i]), &want);
		ASSERT_GT(n, 0);
		ASSERT_EQ(0, ishare_drop_caches());

		snprintf(path, sizeof(path), MNT_B "/%s", files[i]);
		EXPECT_EQ(0, ishare_resident_path(path)) TH_LOG("%s", path);

		snprintf(path, sizeof(path), MNT_A "/%s", files[i]);
		ASSERT_EQ(n, ishare_slurp(path, &got));
		EXPECT_EQ(0, memcmp(want, got, n)) TH_LOG("%s", path);
		free(got);

		snprintf(path, sizeof(path), MNT_B "/%s", files[i]);
		EXPECT_EQ((long)ishare_pages(n), ishare_resident_path(path))
			TH_LOG("%s: not in the page cache after reading A",
			       files[i]);
		ASSERT_EQ(n, ishare_slurp(path, &got));
		EXPECT_EQ(0, memcmp(want, got, n)) TH_LOG("%s", path);
		free(got);
		free(want);
	}
}

/* the same physical page behind A's and B's mappings, not behind C's */
TEST_F(share, same_pfn)
{
	size_t i, len = self->size, psz = getpagesize();
	char *a, *b, *c;

	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_C, variant->img.loop,
				  NULL));
	ASSERT_EQ(0, ishare_drop_caches());
	a = ishare_map(MNT_A "/" BIG_FILE, len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, a);
	b = ishare_map(MNT_B "/" BIG_FILE, len, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, b);
	c = ishare_map(MNT_C "/" BIG_FILE, len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, c);

	ishare_touch(a, len);
	ishare_touch(b, len);
	ishare_touch(c, len);
	ASSERT_NE(0, ishare_pfn(a)) TH_LOG("no PFN in /proc/self/pagemap");
	for (i = 0; i < len; i += psz) {
		ASSERT_EQ(ishare_pfn(a + i), ishare_pfn(b + i))
			TH_LOG("page %zu: A and B use different pages", i / psz);
		ASSERT_NE(ishare_pfn(a + i), ishare_pfn(c + i))
			TH_LOG("page %zu: unshared C uses A's page", i / psz);
	}
	EXPECT_EQ(0, memcmp(self->want, b, len));
	munmap(a, len);
	munmap(b, len);
	munmap(c, len);
}

/* Cached grows by the file when A reads it, not again when B does */
TEST_F(share, page_cache_grows_once)
{
	long kb = self->size / 1024, c0, c1, c2, c3;
	char *got;

	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_C, variant->img.loop,
				  NULL));
	ASSERT_EQ(0, ishare_drop_caches());
	c0 = ishare_cached_kb();
	ASSERT_EQ(self->size, ishare_slurp(MNT_A "/" BIG_FILE, &got));
	free(got);
	c1 = ishare_cached_kb();
	ASSERT_EQ(self->size, ishare_slurp(MNT_B "/" BIG_FILE, &got));
	EXPECT_EQ(0, memcmp(self->want, got, self->size));
	free(got);
	c2 = ishare_cached_kb();
	/* control: an unshared mount of B's image adds the file again */
	ASSERT_EQ(self->size, ishare_slurp(MNT_C "/" BIG_FILE, &got));
	free(got);
	c3 = ishare_cached_kb();

	TH_LOG("Cached growth: A %ld kB, B %ld kB, unshared C %ld kB (file %ld kB)",
	       c1 - c0, c2 - c1, c3 - c2, kb);
	EXPECT_GE(c1 - c0, kb * 7 / 8);
	EXPECT_LT(c2 - c1, kb / 8);
	EXPECT_GE(c3 - c2, kb * 7 / 8);
}

TEST_HARNESS_MAIN
