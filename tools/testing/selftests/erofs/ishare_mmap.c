// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of shared files: MAP_SHARED and MAP_PRIVATE give the file's bytes
 * from the one shared page, a write to a MAP_PRIVATE page stays private,
 * access beyond EOF raises SIGBUS, and a mapping stays readable after its
 * fd is closed and after its filesystem is lazily unmounted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

FIXTURE(mmap) {
	char *want;		/* BIG_FILE from the source tree */
	size_t size, len;	/* its size, and rounded up to pages */
};

FIXTURE_VARIANT(mmap) {
	struct variant_images img;
};

FIXTURE_VARIANT_ADD(mmap, flat_file) {
	.img = { "digest", "digest-copy", false },
};

FIXTURE_VARIANT_ADD(mmap, flat_loop) {
	.img = { "digest", "digest-copy", true },
};

FIXTURE_VARIANT_ADD(mmap, lz4_file) {
	.img = { "digest-lz4", "digest-lz4", false },
};

FIXTURE_VARIANT_ADD(mmap, lz4_loop) {
	.img = { "digest-lz4", "digest-lz4", true },
};

FIXTURE_VARIANT_ADD(mmap, tail_file) {
	.img = { "digest-tail", "digest-tail", false },
};

FIXTURE_VARIANT_ADD(mmap, tail_loop) {
	.img = { "digest-tail", "digest-tail", true },
};

/* one content stored in two layouts: flat and lz4hc */
FIXTURE_VARIANT_ADD(mmap, mixed_file) {
	.img = { "digest-lz4hc", "digest-noinline", false },
};

FIXTURE_VARIANT_ADD(mmap, mixed_loop) {
	.img = { "digest-noinline", "digest-lz4hc", true },
};

FIXTURE_SETUP(mmap)
{
	ssize_t n;

	ISHARE_PREPARE(true, return);

	n = ishare_slurp(ishare_tree(BIG_FILE), &self->want);
	ASSERT_GT(n, 0);
	self->size = n;
	self->len = ishare_pages(n) * getpagesize();
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_drop_caches());
}

FIXTURE_TEARDOWN(mmap)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	free(self->want);
}

/* the file's bytes, then zeroes up to the end of the last page */
static bool content_ok(const char *want, size_t size, const char *got,
		       size_t len)
{
	size_t i;

	if (memcmp(want, got, size))
		return false;
	for (i = size; i < len; i++)
		if (got[i])
			return false;
	return true;
}

TEST_F(mmap, shared_and_private_content)
{
	char *a, *b;

	a = ishare_map(MNT_A "/" BIG_FILE, self->len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, a);
	b = ishare_map(MNT_B "/" BIG_FILE, self->len, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, b);

	EXPECT_TRUE(content_ok(self->want, self->size, a, self->len));
	/* A's faults filled the cache B's private mapping reads from */
	EXPECT_EQ((long)ishare_pages(self->size), ishare_resident(b, self->len));
	EXPECT_TRUE(content_ok(self->want, self->size, b, self->len));
	EXPECT_EQ(ishare_pfn(a), ishare_pfn(b));
	EXPECT_NE(0, ishare_pfn(b));
	munmap(a, self->len);
	munmap(b, self->len);
}

TEST_F(mmap, private_write_stays_private)
{
	size_t last = self->len - getpagesize();
	char *a, *b, *fresh, *got;

	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_C, variant->img.loop,
				  DOMAIN_OPTS));
	a = ishare_map(MNT_A "/" BIG_FILE, self->len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, a);
	b = ishare_map(MNT_B "/" BIG_FILE, self->len, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, b);
	ishare_touch(a, self->len);
	ishare_touch(b, self->len);
	ASSERT_EQ(ishare_pfn(a), ishare_pfn(b));

	ASSERT_EQ(0, mprotect(b, self->len, PROT_READ | PROT_WRITE));
	memset(b, 0x5a, 100);
	memset(b + last, 0xa5, getpagesize());
	/* B now has its own copies of the written pages */
	EXPECT_NE(ishare_pfn(a), ishare_pfn(b));
	EXPECT_NE(ishare_pfn(a + last), ishare_pfn(b + last));
	EXPECT_EQ(0x5a, b[99]);
	EXPECT_EQ((char)0xa5, b[self->len - 1]);

	/* nobody else sees the write: A's mapping, reads, new mappings */
	EXPECT_TRUE(content_ok(self->want, self->size, a, self->len));
	ASSERT_EQ(self->size, ishare_slurp(MNT_B "/" BIG_FILE, &got));
	EXPECT_EQ(0, memcmp(self->want, got, self->size));
	free(got);
	ASSERT_EQ(self->size, ishare_slurp(MNT_C "/" BIG_FILE, &got));
	EXPECT_EQ(0, memcmp(self->want, got, self->size));
	free(got);
	fresh = ishare_map(MNT_C "/" BIG_FILE, self->len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, fresh);
	EXPECT_TRUE(content_ok(self->want, self->size, fresh, self->len));
	EXPECT_EQ(ishare_pfn(a), ishare_pfn(fresh));
	munmap(fresh, self->len);
	munmap(a, self->len);
	munmap(b, self->len);
	umount2(MNT_C, MNT_DETACH);
}

static sigjmp_buf bus_env;

static void on_sigbus(int sig)
{
	siglongjmp(bus_env, sig);
}

/* 1 if reading @p raised SIGBUS, 0 if it did not */
static int reads_sigbus(const char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int ret = 0;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_env, 1))
		ishare_read_byte(p);
	else
		ret = 1;
	sigaction(SIGBUS, &old, NULL);
	return ret;
}

TEST_F(mmap, sigbus_beyond_eof)
{
	size_t psz = getpagesize();
	char *a, *b;

	/* one page more than the file covers, the last page is partial */
	a = ishare_map(MNT_A "/" BIG_FILE, self->len + psz, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, a);
	b = ishare_map(MNT_B "/" BIG_FILE, self->len + psz, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, b);

	ishare_touch(a, self->len);
	EXPECT_EQ((long)ishare_pages(self->size), ishare_resident(b, self->len));
	EXPECT_EQ(0, reads_sigbus(b + self->len - 1));
	EXPECT_EQ(0, b[self->len - 1]);
	EXPECT_EQ(self->want[self->size - 1], b[self->size - 1]);
	EXPECT_EQ(1, reads_sigbus(b + self->len));
	EXPECT_EQ(1, reads_sigbus(a + self->len));
	EXPECT_EQ(1, reads_sigbus(b + self->len + psz - 1));
	munmap(a, self->len + psz);
	munmap(b, self->len + psz);
}

/*
 * push the pages of @map out of the page cache: reclaim them, zap our
 * page table entries, drop the clean page cache, a few times if a page
 * was still busy (in a per-CPU batch, say); the pages still resident
 */
static long evict(char *map, size_t len)
{
	long left = -EIO;
	int i;

	for (i = 0; i < 10 && left; i++) {
		if (i)
			usleep(100 * 1000);
		madvise(map, len, MADV_PAGEOUT);
		if (madvise(map, len, MADV_DONTNEED))
			return -errno;
		if (ishare_drop_caches_mode(1))
			return -EIO;
		left = ishare_resident(map, len);
	}
	return left;
}

TEST_F(mmap, readable_after_close)
{
	char *b;
	int fd;

	fd = open(MNT_B "/" BIG_FILE, O_RDONLY);
	ASSERT_LE(0, fd);
	b = mmap(NULL, self->len, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, close(fd));

	EXPECT_TRUE(content_ok(self->want, self->size, b, self->len));
	/* the faults through B's mapping filled A's view of the content */
	EXPECT_EQ((long)ishare_pages(self->size),
		  ishare_resident_path(MNT_A "/" BIG_FILE));
	/* pages evicted, then faulted in again through the closed file */
	ASSERT_EQ(0, evict(b, self->len));
	EXPECT_TRUE(content_ok(self->want, self->size, b, self->len));
	EXPECT_EQ((long)ishare_pages(self->size), ishare_resident(b, self->len));
	munmap(b, self->len);
}

TEST_F(mmap, readable_after_lazy_umount)
{
	char *b;

	b = ishare_map(MNT_B "/" BIG_FILE, self->len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, umount2(MNT_B, MNT_DETACH));
	EXPECT_TRUE(content_ok(self->want, self->size, b, self->len));
	EXPECT_EQ((long)ishare_pages(self->size),
		  ishare_resident_path(MNT_A "/" BIG_FILE));

	/* refill while B's filesystem is detached but alive */
	ASSERT_EQ(0, evict(b, self->len));
	EXPECT_TRUE(content_ok(self->want, self->size, b, self->len));

	/* and when B is the only sharer left */
	ASSERT_EQ(0, umount2(MNT_A, 0));
	ASSERT_EQ(0, evict(b, self->len));
	EXPECT_TRUE(content_ok(self->want, self->size, b, self->len));
	EXPECT_EQ((long)ishare_pages(self->size), ishare_resident(b, self->len));
	munmap(b, self->len);
}

TEST_HARNESS_MAIN
