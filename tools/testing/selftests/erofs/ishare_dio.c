// SPDX-License-Identifier: GPL-2.0
/*
 * O_DIRECT on a shared file, set at open or later with fcntl(F_SETFL),
 * behaves as on the same file of an unshared mount (C): the same success
 * or errno, for aligned and misaligned requests, the file's bytes when it
 * is allowed, and no page in the shared cache.  On a flat image on a block
 * device (a loop device) an aligned O_DIRECT read must really succeed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

static const char * const files[] = {
	BIG_FILE, "random-65543", "random-4097", "random-4096", "text-100",
};

FIXTURE(dio) {
	char *buf;		/* page aligned, room for the biggest file */
	size_t len;
};

FIXTURE_VARIANT(dio) {
	struct variant_images img;
	/* B flat on a block device: aligned O_DIRECT reads go to it */
	bool direct;
};

FIXTURE_VARIANT_ADD(dio, flat_file) {
	.img = { "digest", "digest-copy", false },
};

FIXTURE_VARIANT_ADD(dio, flat_loop) {
	.img = { "digest", "digest-copy", true },
	.direct = true,
};

FIXTURE_VARIANT_ADD(dio, lz4_file) {
	.img = { "digest-lz4", "digest-lz4", false },
};

FIXTURE_VARIANT_ADD(dio, lz4_loop) {
	.img = { "digest-lz4", "digest-lz4", true },
};

FIXTURE_VARIANT_ADD(dio, tail_file) {
	.img = { "digest-tail", "digest-tail", false },
};

FIXTURE_VARIANT_ADD(dio, tail_loop) {
	.img = { "digest-tail", "digest-tail", true },
};

/* one content stored in two layouts: flat and lz4hc */
FIXTURE_VARIANT_ADD(dio, mixed_file) {
	.img = { "digest-lz4hc", "digest-noinline", false },
};

FIXTURE_VARIANT_ADD(dio, mixed_loop) {
	.img = { "digest-noinline", "digest-lz4hc", true },
};

FIXTURE_SETUP(dio)
{
	ISHARE_PREPARE(true, return);

	self->len = 2 << 20;
	ASSERT_EQ(0, posix_memalign((void **)&self->buf, 4096,
				    self->len + 4096));
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
	/* the reference: B's image without sharing */
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_C, variant->img.loop,
				  NULL));
}

FIXTURE_TEARDOWN(dio)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	umount2(MNT_C, MNT_DETACH);
	free(self->buf);
}

struct dio_result {
	int open_err;		/* errno of open() or fcntl(), or 0 */
	ssize_t ret;		/* pread() result, or -errno */
};

/*
 * open @path with O_DIRECT (or without, then set it with fcntl() when
 * @via_fcntl) and pread() @len bytes at @off into @buf
 */
static struct dio_result dio_read(const char *path, bool via_fcntl,
				  char *buf, size_t len, off_t off)
{
	struct dio_result r = { 0, 0 };
	int fd, fl;

	fd = open(path, O_RDONLY | (via_fcntl ? 0 : O_DIRECT));
	if (fd < 0) {
		r.open_err = errno;
		return r;
	}
	if (via_fcntl) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_DIRECT)) {
			r.open_err = errno;
			close(fd);
			return r;
		}
	}
	r.ret = pread(fd, buf, len, off);
	if (r.ret < 0)
		r.ret = -errno;
	close(fd);
	return r;
}

static void check_aligned(struct __test_metadata *_metadata, char *buf,
			  bool via_fcntl, bool direct)
{
	char b[PATH_MAX], c[PATH_MAX], a[PATH_MAX], *want;
	struct dio_result rb, rc;
	unsigned int i;
	size_t len;
	ssize_t n;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		n = ishare_slurp(ishare_tree(files[i]), &want);
		ASSERT_GT(n, 0);
		len = ishare_pages(n) * 4096;
		snprintf(a, sizeof(a), MNT_A "/%s", files[i]);
		snprintf(b, sizeof(b), MNT_B "/%s", files[i]);
		snprintf(c, sizeof(c), MNT_C "/%s", files[i]);
		ASSERT_EQ(0, ishare_drop_caches());

		rc = dio_read(c, via_fcntl, buf, len, 0);
		memset(buf, 0xff, len);
		rb = dio_read(b, via_fcntl, buf, len, 0);
		EXPECT_EQ(rc.open_err, rb.open_err) TH_LOG("%s", b);
		EXPECT_EQ(rc.ret, rb.ret) TH_LOG("%s", b);
		if (!rb.open_err && rb.ret == n)
			EXPECT_EQ(0, memcmp(want, buf, n)) TH_LOG("%s", b);
		if (direct) {
			/*
			 * a real direct read with the right bytes (6.12 may
			 * stop short of an inline tail, and does so unshared
			 * too); a file of whole blocks comes whole
			 */
			EXPECT_EQ(0, rb.open_err)
				TH_LOG("%s: O_DIRECT %s: %s", b,
				       via_fcntl ? "by fcntl" : "at open",
				       strerror(rb.open_err));
			EXPECT_LT(0, rb.ret) TH_LOG("%s: O_DIRECT read %zd", b, rb.ret);
			if (rb.ret > 0 && rb.ret <= n)
				EXPECT_EQ(0, memcmp(want, buf, rb.ret)) TH_LOG("%s", b);
			if (n % 4096 == 0)
				EXPECT_EQ(n, rb.ret) TH_LOG("%s", b);
		}

		/* direct reads leave the shared cache alone */
		EXPECT_EQ(0, ishare_resident_path(a)) TH_LOG("%s", a);
		EXPECT_EQ(0, ishare_resident_path(b)) TH_LOG("%s", b);

		/* while buffered reads of B fill it for A */
		free(want);
		ASSERT_EQ(n, ishare_slurp(b, &want));
		EXPECT_EQ((long)ishare_pages(n), ishare_resident_path(a))
			TH_LOG("%s", a);
		free(want);
	}
}

TEST_F(dio, o_direct_at_open)
{
	check_aligned(_metadata, self->buf, false, variant->direct);
}

TEST_F(dio, o_direct_via_fcntl)
{
	check_aligned(_metadata, self->buf, true, variant->direct);
}

/* misaligned offset, length and buffer: the errno of the unshared file */
TEST_F(dio, misaligned_same_errno)
{
	static const struct {
		off_t off;
		size_t len, shift;
	} cases[] = {
		{ 1, 4096, 0 }, { 0, 100, 0 }, { 0, 4096, 1 }, { 4095, 1, 0 },
	};
	char b[PATH_MAX], c[PATH_MAX], *got;
	struct dio_result rb, rc;
	unsigned int i, j;
	int via;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(b, sizeof(b), MNT_B "/%s", files[i]);
		snprintf(c, sizeof(c), MNT_C "/%s", files[i]);
		for (j = 0; j < ARRAY_SIZE(cases); j++) {
			for (via = 0; via < 2; via++) {
				rc = dio_read(c, via, self->buf + cases[j].shift,
					      cases[j].len, cases[j].off);
				rb = dio_read(b, via, self->buf + cases[j].shift,
					      cases[j].len, cases[j].off);
				EXPECT_EQ(rc.open_err, rb.open_err)
					TH_LOG("%s case %u", b, j);
				EXPECT_EQ(rc.ret, rb.ret)
					TH_LOG("%s case %u", b, j);
			}
		}
	}

	/* and B is shared */
	ASSERT_EQ(0, ishare_drop_caches());
	ASSERT_LT(0, ishare_slurp(MNT_B "/" BIG_FILE, &got));
	free(got);
	EXPECT_LT(0, ishare_resident_path(MNT_A "/" BIG_FILE));
}

TEST_HARNESS_MAIN
