// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the superblock fields of page cache sharing: the
 * ISHARE_XATTRS and PLAIN_XATTR_PFX compat features and the fingerprint
 * prefix id at byte 105.  Every case builds a small image in memory and
 * mounts it as a real file-backed erofs.
 */
#include <kunit/test.h>
#include <linux/xattr.h>
#include "xattr.h"
#include "kunit-image.h"

#define FP_NAME		"trusted.erofs.fingerprint.v1"
#define FP_NAME_MKFS	"erofs.fingerprint.v1"	/* mkfs.erofs 1.9 default */
#define DECOY_NAME	"trusted.erofs.decoy.v1"
#define USER_PFX	"user.kunit.long.prefix."
#define FP_A		"sha256:a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3"

/* the on-disk layout, checked where it cannot fail at run time */
static_assert(offsetof(struct erofs_super_block, xattr_filter_reserved) == 104);
static_assert(offsetof(struct erofs_super_block, ishare_xattr_prefix_id) == 105);
static_assert(offsetof(struct erofs_super_block, reserved2) == 106);
static_assert(sizeof(struct erofs_super_block) == 128);
static_assert(EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX == 0x10);
static_assert(EROFS_FEATURE_COMPAT_ISHARE_XATTRS == 0x20);

static struct erofs_kunit_image *new_image(struct kunit *test)
{
	struct erofs_kunit_image *img = erofs_kunit_image_alloc(test);

	KUNIT_ASSERT_NOT_NULL(test, img);
	return img;
}

static void erofs_super_layout_test(struct kunit *test)
{
	struct erofs_kunit_image *img = new_image(test);
	struct erofs_super_block *dsb;
	size_t size;
	u8 *image;

	/* the builder writes the id where mkfs.erofs does */
	KUNIT_ASSERT_EQ(test, erofs_kunit_image_add_prefix(img, USER_PFX), 0);
	KUNIT_ASSERT_EQ(test, erofs_kunit_image_set_ishare(img, FP_NAME), 1);
	image = erofs_kunit_image_build(img, &size);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, image);
	KUNIT_EXPECT_EQ(test, image[EROFS_SUPER_OFFSET + 105], 1);
	dsb = (void *)(image + EROFS_SUPER_OFFSET);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(dsb->feature_compat),
			EROFS_FEATURE_COMPAT_ISHARE_XATTRS);
	KUNIT_EXPECT_EQ(test, dsb->xattr_prefix_count, 2);
}

struct sb_case {
	const char *desc;
	u32 compat;
	const char *prefixes[3];
	u8 raw_id;		/* byte 105 as written */
	int err;		/* expected mount result */
	u8 pfx;			/* expected sbi->ishare_xattr_pfx */
};

static const struct sb_case sb_cases[] = {
	{
		.desc = "no ishare feature",
		.prefixes = { FP_NAME },
	}, {
		.desc = "no feature, stale byte 105 ignored",
		.prefixes = { FP_NAME },
		.raw_id = 7,
	}, {
		.desc = "id 0 of 1",
		.compat = EROFS_FEATURE_COMPAT_ISHARE_XATTRS,
		.prefixes = { FP_NAME },
	}, {
		.desc = "id 1 of 2, mkfs default name, plain prefixes",
		.compat = EROFS_FEATURE_COMPAT_ISHARE_XATTRS |
			  EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX,
		.prefixes = { USER_PFX, FP_NAME_MKFS },
		.raw_id = 1,
		.pfx = 1,
	}, {
		.desc = "id 2 of 3",
		.compat = EROFS_FEATURE_COMPAT_ISHARE_XATTRS,
		.prefixes = { USER_PFX, DECOY_NAME, FP_NAME },
		.raw_id = 2,
		.pfx = 2,
	}, {
		.desc = "id with long-prefix flag 0x81",
		.compat = EROFS_FEATURE_COMPAT_ISHARE_XATTRS,
		.prefixes = { USER_PFX, FP_NAME },
		.raw_id = EROFS_XATTR_LONG_PREFIX | 1,
		.pfx = 1,
	}, {
		.desc = "id == prefix count",
		.compat = EROFS_FEATURE_COMPAT_ISHARE_XATTRS,
		.prefixes = { USER_PFX, FP_NAME },
		.raw_id = 2,
		.err = -EFSCORRUPTED,
	}, {
		.desc = "id 0x7f of 1",
		.compat = EROFS_FEATURE_COMPAT_ISHARE_XATTRS,
		.prefixes = { FP_NAME },
		.raw_id = 0x7f,
		.err = -EFSCORRUPTED,
	}, {
		.desc = "id 0 without any prefix",
		.compat = EROFS_FEATURE_COMPAT_ISHARE_XATTRS,
		.err = -EFSCORRUPTED,
	},
};

KUNIT_ARRAY_PARAM_DESC(sb, sb_cases, desc);

static void erofs_super_ishare_parse_test(struct kunit *test)
{
	const struct sb_case *c = test->param_value;
	struct erofs_kunit_image *img = new_image(test);
	struct erofs_sb_info *sbi;
	struct vfsmount *mnt;
	int i;

	for (i = 0; i < ARRAY_SIZE(c->prefixes) && c->prefixes[i]; i++)
		KUNIT_ASSERT_EQ(test,
				erofs_kunit_image_add_prefix(img, c->prefixes[i]),
				i);
	img->feature_compat = c->compat;
	img->ishare_xattr_prefix_id = c->raw_id;

	mnt = erofs_kunit_mount(img, NULL);
	if (c->err) {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(mnt), c->err);
		return;
	}
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);
	sbi = EROFS_SB(mnt->mnt_sb);
	KUNIT_EXPECT_EQ(test, sbi->feature_compat, c->compat);
	KUNIT_EXPECT_EQ(test, erofs_sb_has_ishare_xattrs(sbi),
			!!(c->compat & EROFS_FEATURE_COMPAT_ISHARE_XATTRS));
	KUNIT_EXPECT_EQ(test, erofs_sb_has_plain_xattr_pfx(sbi),
			!!(c->compat & EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX));
	KUNIT_EXPECT_EQ(test, sbi->ishare_xattr_pfx, c->pfx);
	KUNIT_EXPECT_EQ(test, sbi->xattr_prefix_count, i);
}

/* where the prefix table goes and which names must (not) resolve */
struct xattr_case {
	const char *desc;
	enum erofs_kunit_pfx_loc loc;
	bool plain;		/* set COMPAT_PLAIN_XATTR_PFX */
	bool decoy;		/* packed inode with a different table */
	bool fp_readable;	/* FP_NAME resolves, else DECOY_NAME does */
};

static const struct xattr_case xattr_cases[] = {
	{
		.desc = "plain table, no packed inode",
		.loc = EROFS_KUNIT_PFX_META,
		.plain = true,
		.fp_readable = true,
	}, {
		.desc = "plain table beside a packed inode (mkfs 1.9)",
		.loc = EROFS_KUNIT_PFX_META,
		.plain = true,
		.decoy = true,
		.fp_readable = true,
	}, {
		.desc = "table in the packed inode (mkfs -Efragments)",
		.loc = EROFS_KUNIT_PFX_PACKED,
		.fp_readable = true,
	}, {
		.desc = "without PLAIN_XATTR_PFX the packed table wins",
		.loc = EROFS_KUNIT_PFX_META,
		.decoy = true,
	},
};

KUNIT_ARRAY_PARAM_DESC(xattr, xattr_cases, desc);

static void expect_xattr(struct kunit *test, struct dentry *dentry,
			 const char *name, const char *value)
{
	char buf[128] = {};
	ssize_t ret;

	ret = vfs_getxattr(&nop_mnt_idmap, dentry, name, buf, sizeof(buf));
	if (!value) {
		KUNIT_EXPECT_EQ_MSG(test, ret, (ssize_t)-ENODATA, "%s", name);
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, ret, (ssize_t)strlen(value), "%s", name);
	KUNIT_EXPECT_STREQ(test, buf, value);
}

static void erofs_super_long_prefix_xattr_test(struct kunit *test)
{
	const struct xattr_case *c = test->param_value;
	struct erofs_kunit_image *img = new_image(test);
	static const char data[] = "shared library bytes\n";
	struct erofs_kunit_file *file;
	struct dentry *dentry;
	struct vfsmount *mnt;
	char buf[128] = {};
	int ret;

	KUNIT_ASSERT_EQ(test, erofs_kunit_image_add_prefix(img, USER_PFX), 0);
	KUNIT_ASSERT_EQ(test, erofs_kunit_image_set_ishare(img, FP_NAME), 1);
	if (c->decoy) {
		ret = erofs_kunit_image_add_packed_prefix(img, "user.kunit.decoy.");
		KUNIT_ASSERT_EQ(test, ret, 0);
		ret = erofs_kunit_image_add_packed_prefix(img, DECOY_NAME);
		KUNIT_ASSERT_EQ(test, ret, 1);
		img->packed_inode = true;
	}
	img->pfx_loc = c->loc;
	if (c->plain)
		img->feature_compat |= EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX;

	file = erofs_kunit_image_add_fp_file(img, "lib.so", data,
					     sizeof(data) - 1, FP_A);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	ret = erofs_kunit_file_add_xattr(img, file, USER_PFX "name", "long", 4);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = erofs_kunit_file_add_xattr(img, file, "user.short", "short", 5);
	KUNIT_ASSERT_EQ(test, ret, 0);

	mnt = erofs_kunit_mount(img, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);
	dentry = erofs_kunit_lookup(test, mnt, "lib.so");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dentry);

	expect_xattr(test, dentry, "user.short", "short");
	if (c->fp_readable) {
		expect_xattr(test, dentry, FP_NAME, FP_A);
		expect_xattr(test, dentry, USER_PFX "name", "long");
		expect_xattr(test, dentry, DECOY_NAME, NULL);
		ret = erofs_kunit_getxattr(d_inode(dentry), FP_NAME, buf,
					   sizeof(buf));
		KUNIT_EXPECT_EQ(test, ret, (int)strlen(FP_A));
		KUNIT_EXPECT_STREQ(test, buf, FP_A);
	} else {
		expect_xattr(test, dentry, FP_NAME, NULL);
		expect_xattr(test, dentry, DECOY_NAME, FP_A);
		expect_xattr(test, dentry, "user.kunit.decoy.name", "long");
	}

	/* the data itself never depends on the prefix table */
	memset(buf, 0, sizeof(buf));
	KUNIT_EXPECT_EQ(test, erofs_kunit_read(test, mnt, "lib.so", buf,
					       sizeof(buf)),
			(ssize_t)sizeof(data) - 1);
	KUNIT_EXPECT_STREQ(test, buf, data);
}

/* mkfs.erofs' default fingerprint name has no namespace: erofs-internal */
static void erofs_super_mkfs_default_name_test(struct kunit *test)
{
	struct erofs_kunit_image *img = new_image(test);
	struct erofs_kunit_file *file;
	struct erofs_sb_info *sbi;
	struct dentry *dentry;
	struct vfsmount *mnt;
	char buf[128] = {};
	int pfx, ret;

	pfx = erofs_kunit_image_set_ishare(img, FP_NAME_MKFS);
	KUNIT_ASSERT_EQ(test, pfx, 0);
	img->feature_compat |= EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX;
	file = erofs_kunit_image_add_fp_file(img, "f", "x", 1, FP_A);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	file = erofs_kunit_image_add_file(img, "g", NULL, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	/* a name without namespace cannot be encoded without a prefix */
	ret = erofs_kunit_file_add_xattr(img, file, "nonamespace", "v", 1);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);

	mnt = erofs_kunit_mount(img, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);
	sbi = EROFS_SB(mnt->mnt_sb);
	KUNIT_EXPECT_TRUE(test, erofs_sb_has_ishare_xattrs(sbi));
	KUNIT_EXPECT_EQ(test, sbi->ishare_xattr_pfx, pfx);
	KUNIT_EXPECT_EQ(test, sbi->xattr_prefixes[pfx].prefix->base_index, 0);
	KUNIT_EXPECT_EQ(test, sbi->xattr_prefixes[pfx].infix_len,
			strlen(FP_NAME_MKFS));

	dentry = erofs_kunit_lookup(test, mnt, "f");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dentry);
	ret = erofs_kunit_getxattr(d_inode(dentry), FP_NAME_MKFS, buf,
				   sizeof(buf));
	KUNIT_EXPECT_EQ(test, ret, (int)strlen(FP_A));
	KUNIT_EXPECT_STREQ(test, buf, FP_A);
	/* the file without a fingerprint has none */
	dentry = erofs_kunit_lookup(test, mnt, "g");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dentry);
	ret = erofs_kunit_getxattr(d_inode(dentry), FP_NAME_MKFS, NULL, 0);
	KUNIT_EXPECT_EQ(test, ret, -ENODATA);
}

/* many files, two by two sharing a fingerprint, over several dir blocks */
static void erofs_super_many_files_test(struct kunit *test)
{
	const unsigned int nr = 300;
	struct erofs_kunit_image *img = new_image(test);
	struct erofs_kunit_fp_file *files;
	struct vfsmount *mnt;
	char buf[64], fp[64];
	unsigned int i;
	struct {
		char name[24], data[32], fp[24];
	} *strs;

	KUNIT_ASSERT_EQ(test, erofs_kunit_image_set_ishare(img, FP_NAME), 0);
	files = kunit_kcalloc(test, nr, sizeof(*files), GFP_KERNEL);
	strs = kunit_kcalloc(test, nr, sizeof(*strs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, files);
	KUNIT_ASSERT_NOT_NULL(test, strs);
	for (i = 0; i < nr; i++) {
		snprintf(strs[i].name, sizeof(strs[i].name), "file-%04u.bin", i);
		snprintf(strs[i].data, sizeof(strs[i].data),
			 "content of pair %u", i / 2);
		snprintf(strs[i].fp, sizeof(strs[i].fp), "sha256:%u", i / 2);
		files[i].name = strs[i].name;
		files[i].data = strs[i].data;
		files[i].size = strlen(strs[i].data);
		/* every third file has no fingerprint */
		files[i].fp = i % 3 ? strs[i].fp : NULL;
	}
	KUNIT_ASSERT_EQ(test, erofs_kunit_image_add_fp_files(img, files, nr),
			0);
	mnt = erofs_kunit_mount(img, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);

	for (i = 0; i < nr; i++) {
		struct dentry *dentry = erofs_kunit_lookup(test, mnt,
							   files[i].name);
		ssize_t ret;

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dentry);
		memset(buf, 0, sizeof(buf));
		KUNIT_EXPECT_EQ(test, erofs_kunit_read(test, mnt, files[i].name,
						       buf, sizeof(buf)),
				(ssize_t)files[i].size);
		KUNIT_EXPECT_STREQ(test, buf, strs[i].data);

		memset(fp, 0, sizeof(fp));
		ret = vfs_getxattr(&nop_mnt_idmap, dentry, FP_NAME, fp,
				   sizeof(fp));
		if (files[i].fp) {
			KUNIT_EXPECT_EQ(test, ret, (ssize_t)strlen(files[i].fp));
			KUNIT_EXPECT_STREQ(test, fp, files[i].fp);
		} else {
			KUNIT_EXPECT_EQ(test, ret, (ssize_t)-ENODATA);
		}
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(erofs_kunit_lookup(test, mnt, "nope")),
			-ENOENT);
}

static struct kunit_case erofs_super_test_cases[] = {
	KUNIT_CASE(erofs_super_layout_test),
	KUNIT_CASE_PARAM(erofs_super_ishare_parse_test, sb_gen_params),
	KUNIT_CASE_PARAM(erofs_super_long_prefix_xattr_test,
			 xattr_gen_params),
	KUNIT_CASE(erofs_super_mkfs_default_name_test),
	KUNIT_CASE(erofs_super_many_files_test),
	{}
};

static struct kunit_suite erofs_super_test_suite = {
	.name = "erofs_super",
	.test_cases = erofs_super_test_cases,
};

kunit_test_suites(&erofs_super_test_suite);
