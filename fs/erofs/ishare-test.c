// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for page cache sharing: key encoding and hashing, iget5
 * matching of sharers, the lifetime of shared inodes, and one cache filled
 * through sharers of different data layouts.  Images are built
 * in memory and mounted as real file-backed erofs; nothing is mocked.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/namei.h>
#include "internal.h"
#include "kunit-image.h"

#define FP_NAME		"trusted.erofs.fingerprint.v1"
#define FP_X		"sha256:x"
#define FP_Y		"sha256:y"

static const char data_x[] = "identical content in every image\n";
static const char data_y[] = "other content\n";
static const char data_x_long[] = "identical content in every image, longer\n";

/* (a) key encoding and hashing */

struct key_case {
	const char *desc;
	const char *dom1, *fp1;
	unsigned int len1;
	const char *dom2, *fp2;
	unsigned int len2;
	bool equal;
};

static const struct key_case key_cases[] = {
	{ "same domain and value", "d", "sha256:x", 8, "d", "sha256:x", 8, true },
	{ "other domain", "d1", "sha256:x", 8, "d2", "sha256:x", 8, false },
	{ "other value", "d", "sha256:x", 8, "d", "sha256:y", 8, false },
	{ "value ab + domain c vs value a + domain bc", "c", "ab", 2, "bc", "a", 1, false },
	{ "value a + domain bc vs value ab + domain c", "bc", "a", 1, "c", "ab", 2, false },
	{ "empty domain vs domain", "", "dx", 2, "d", "x", 1, false },
	{ "empty domains", "", "x", 1, "", "x", 1, true },
	{ "value is a prefix", "d", "sha256:xy", 9, "d", "sha256:x", 8, false },
	{ "binary value with NUL", "d", "a\0b", 3, "d", "a\0c", 3, false },
};

static void key_case_desc(const struct key_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(key, key_cases, key_case_desc);

static void erofs_ishare_key_test(struct kunit *test)
{
	const struct key_case *c = test->param_value;
	unsigned int klen1, klen2;
	u8 *k1, *k2;
	bool same;

	k1 = erofs_ishare_encode_key(c->dom1, c->fp1, c->len1, &klen1);
	k2 = erofs_ishare_encode_key(c->dom2, c->fp2, c->len2, &klen2);
	KUNIT_ASSERT_NOT_NULL(test, k1);
	KUNIT_ASSERT_NOT_NULL(test, k2);
	KUNIT_EXPECT_EQ(test, klen1, 4 + strlen(c->dom1) + c->len1);
	same = klen1 == klen2 && !memcmp(k1, k2, klen1);
	KUNIT_EXPECT_EQ(test, same, c->equal);
	if (c->equal)
		KUNIT_EXPECT_EQ(test, erofs_ishare_hash(k1, klen1),
				erofs_ishare_hash(k2, klen2));
	kfree(k1);
	kfree(k2);
}

/* maximum-length values (a whole block) and empty ones still encode */
static void erofs_ishare_key_edges_test(struct kunit *test)
{
	unsigned int klen, klen2;
	u8 *fp, *k, *k2;

	fp = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fp);
	memset(fp, 0xa5, PAGE_SIZE);
	k = erofs_ishare_encode_key("domain", fp, PAGE_SIZE, &klen);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_EXPECT_EQ(test, klen, 4 + 6 + PAGE_SIZE);
	fp[PAGE_SIZE - 1] ^= 1;		/* differ in the very last byte */
	k2 = erofs_ishare_encode_key("domain", fp, PAGE_SIZE, &klen2);
	KUNIT_ASSERT_NOT_NULL(test, k2);
	KUNIT_EXPECT_EQ(test, klen, klen2);
	KUNIT_EXPECT_NE(test, memcmp(k, k2, klen), 0);
	kfree(k);
	kfree(k2);

	k = erofs_ishare_encode_key("", fp, 0, &klen);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_EXPECT_EQ(test, klen, 4);
	kfree(k);
}

/* images and mounts */

static struct erofs_kunit_image *
image_of(struct kunit *test, const struct erofs_kunit_fp_file *files,
	 unsigned int nr)
{
	struct erofs_kunit_image *img = erofs_kunit_image_alloc(test);

	KUNIT_ASSERT_NOT_NULL(test, img);
	img->feature_compat = EROFS_FEATURE_COMPAT_ISHARE_XATTRS;
	KUNIT_ASSERT_GE(test, erofs_kunit_image_set_ishare(img, FP_NAME), 0);
	KUNIT_ASSERT_EQ(test, erofs_kunit_image_add_fp_files(img, files, nr), 0);
	return img;
}

static const struct erofs_kunit_fp_file two_files[] = {
	{ "x", data_x, sizeof(data_x), FP_X },
	{ "y", data_y, sizeof(data_y), FP_Y },
	{ "plain", data_x, sizeof(data_x), NULL },
};

static struct vfsmount *mount_of(struct kunit *test,
				 struct erofs_kunit_image *img,
				 const char *options)
{
	struct vfsmount *mnt = erofs_kunit_mount(img, options);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);
	return mnt;
}

static struct inode *inode_of(struct kunit *test, struct vfsmount *mnt,
			      const char *name)
{
	struct dentry *dentry = erofs_kunit_lookup(test, mnt, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dentry);
	return d_inode(dentry);
}

static struct inode *shared_of(struct inode *inode)
{
	return EROFS_I(inode)->ishare;
}

/* (b) iget5 matching */

static void erofs_ishare_match_test(struct kunit *test)
{
	struct erofs_kunit_image *img = image_of(test, two_files, 3);
	struct vfsmount *a = mount_of(test, img, "domain_id=kunit-d1");
	struct vfsmount *b = mount_of(test, img, "inode_share,domain_id=kunit-d1");
	struct vfsmount *c = mount_of(test, img, "domain_id=kunit-d2");
	struct vfsmount *none = mount_of(test, img, NULL);
	struct inode *ax = inode_of(test, a, "x");
	struct inode *bx = inode_of(test, b, "x");

	/* one key: one shared inode, and the sharers use its mapping */
	KUNIT_ASSERT_NOT_NULL(test, shared_of(ax));
	KUNIT_EXPECT_PTR_EQ(test, shared_of(ax), shared_of(bx));
	KUNIT_EXPECT_PTR_EQ(test, ax->i_mapping, shared_of(ax)->i_mapping);
	KUNIT_EXPECT_PTR_EQ(test, bx->i_mapping, shared_of(ax)->i_mapping);
	KUNIT_EXPECT_EQ(test, i_size_read(shared_of(ax)), i_size_read(ax));
	KUNIT_EXPECT_TRUE(test, erofs_is_ishare_inode(shared_of(ax)));

	/* another domain or value: another shared inode */
	KUNIT_EXPECT_PTR_NE(test, shared_of(inode_of(test, c, "x")),
			    shared_of(ax));
	KUNIT_EXPECT_NOT_NULL(test, shared_of(inode_of(test, c, "x")));
	KUNIT_EXPECT_PTR_NE(test, shared_of(inode_of(test, a, "y")),
			    shared_of(ax));

	/* no fingerprint, or no domain: not shared */
	KUNIT_EXPECT_NULL(test, shared_of(inode_of(test, a, "plain")));
	KUNIT_EXPECT_NULL(test, shared_of(inode_of(test, none, "x")));
}

static void erofs_ishare_size_mismatch_test(struct kunit *test)
{
	static const struct erofs_kunit_fp_file longer[] = {
		{ "x", data_x_long, sizeof(data_x_long), FP_X },
	};
	struct vfsmount *a = mount_of(test, image_of(test, two_files, 3),
				      "domain_id=kunit-size");
	struct vfsmount *b = mount_of(test, image_of(test, longer, 1),
				      "domain_id=kunit-size");
	char buf[64] = {};

	KUNIT_EXPECT_NOT_NULL(test, shared_of(inode_of(test, a, "x")));
	KUNIT_EXPECT_NULL(test, shared_of(inode_of(test, b, "x")));
	/* the refused file still reads its own bytes */
	KUNIT_EXPECT_EQ(test, erofs_kunit_read(test, b, "x", buf, sizeof(buf)),
			(ssize_t)sizeof(data_x_long));
	KUNIT_EXPECT_MEMEQ(test, buf, data_x_long, sizeof(data_x_long));
	KUNIT_EXPECT_EQ(test, erofs_kunit_read(test, a, "x", buf, sizeof(buf)),
			(ssize_t)sizeof(data_x));
	KUNIT_EXPECT_MEMEQ(test, buf, data_x, sizeof(data_x));
}

/* (c) refcounting and lifetime */

/*
 * The suites' mounts are internal (erofs_kunit_mount()), so an unmount has
 * finished when erofs_kunit_umount() returns: a case counts shared inodes
 * against what it found at its start.
 */
static long shared_inodes(void)
{
	return erofs_ishare_stat(EROFS_ISHARE_SHARED_INODES);
}

static void erofs_ishare_iget_refcount_test(struct kunit *test)
{
	long base = shared_inodes();
	struct vfsmount *a = mount_of(test, image_of(test, two_files, 3), NULL);
	struct inode *ax = inode_of(test, a, "x");
	struct inode *s1, *s2;
	unsigned int klen;
	u8 *key;

	key = erofs_ishare_encode_key("kunit-ref", FP_X, 8, &klen);
	KUNIT_ASSERT_NOT_NULL(test, key);
	s1 = erofs_ishare_iget_hashed(ax, key, klen,
				      erofs_ishare_hash(key, klen));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s1);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base + 1);
	s2 = erofs_ishare_iget_hashed(ax, key, klen,
				      erofs_ishare_hash(key, klen));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s2);
	KUNIT_EXPECT_PTR_EQ(test, s1, s2);
	KUNIT_EXPECT_EQ(test, atomic_read(&s1->i_count), 2);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base + 1);
	iput(s2);
	KUNIT_EXPECT_EQ(test, atomic_read(&s1->i_count), 1);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base + 1);
	iput(s1);		/* the last put frees it */
	KUNIT_EXPECT_EQ(test, shared_inodes(), base);
	kfree(key);
}

/* two keys forced into one hash: two shared inodes, each found by its key */
static void erofs_ishare_hash_collision_test(struct kunit *test)
{
	long base = shared_inodes();
	struct vfsmount *a = mount_of(test, image_of(test, two_files, 3), NULL);
	struct inode *ax = inode_of(test, a, "x");
	struct inode *sx, *sy, *again;
	unsigned int klx, kly;
	u8 *kx, *ky;

	kx = erofs_ishare_encode_key("kunit-hash", FP_X, 8, &klx);
	ky = erofs_ishare_encode_key("kunit-hash", FP_Y, 8, &kly);
	KUNIT_ASSERT_NOT_NULL(test, kx);
	KUNIT_ASSERT_NOT_NULL(test, ky);
	sx = erofs_ishare_iget_hashed(ax, kx, klx, 42);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sx);
	sy = erofs_ishare_iget_hashed(ax, ky, kly, 42);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sy);
	KUNIT_EXPECT_PTR_NE(test, sx, sy);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base + 2);

	again = erofs_ishare_iget_hashed(ax, ky, kly, 42);
	KUNIT_EXPECT_PTR_EQ(test, again, sy);
	iput(again);
	again = erofs_ishare_iget_hashed(ax, kx, klx, 42);
	KUNIT_EXPECT_PTR_EQ(test, again, sx);
	iput(again);
	iput(sx);
	iput(sy);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base);
	kfree(kx);
	kfree(ky);
}

static void erofs_ishare_lifetime_test(struct kunit *test)
{
	struct erofs_kunit_image *img = image_of(test, two_files, 3);
	long base = shared_inodes();
	struct vfsmount *a = mount_of(test, img, "domain_id=kunit-life");
	struct vfsmount *b = mount_of(test, img, "domain_id=kunit-life");
	struct path path = { .mnt = a };
	struct dentry *bx;
	struct inode *shared;
	char buf[64] = {};
	struct file *file;
	loff_t pos = 0;

	path.dentry = erofs_kunit_lookup(test, a, "x");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, path.dentry);
	bx = erofs_kunit_lookup(test, b, "x");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bx);
	shared = shared_of(d_inode(path.dentry));
	KUNIT_ASSERT_NOT_NULL(test, shared);
	KUNIT_EXPECT_PTR_EQ(test, shared_of(d_inode(bx)), shared);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&shared->i_count), 2);

	/* open files pin their sharer, not the shared inode itself */
	file = dentry_open(&path, O_RDONLY, current_cred());
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_EXPECT_PTR_EQ(test, file->f_mapping, shared->i_mapping);
	KUNIT_EXPECT_EQ(test, atomic_read(&shared->i_count), 2);
	KUNIT_EXPECT_EQ(test, kernel_read(file, buf, sizeof(buf), &pos),
			(ssize_t)sizeof(data_x));
	KUNIT_EXPECT_MEMEQ(test, buf, data_x, sizeof(data_x));
	KUNIT_EXPECT_EQ(test, shared->i_mapping->nrpages, 1UL);
	__fput_sync(file);	/* a kthread's fput() would come later */
	KUNIT_EXPECT_EQ(test, atomic_read(&shared->i_count), 2);

	/* each sharer's eviction drops one reference; the last frees it */
	ihold(shared);
	erofs_kunit_dput(test, bx);
	erofs_kunit_umount(test, b);
	KUNIT_EXPECT_EQ(test, atomic_read(&shared->i_count), 2);
	KUNIT_EXPECT_EQ(test, shared->i_mapping->nrpages, 1UL);
	erofs_kunit_dput(test, path.dentry);
	erofs_kunit_umount(test, a);
	KUNIT_EXPECT_EQ(test, atomic_read(&shared->i_count), 1);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base + 1);	/* ours */
	iput(shared);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base);
}

/*
 * The shared cache outlives its sharers: with the last sharer evicted (as
 * inode reclaim would), the shared inode keeps its pages and a new sharer
 * finds them; the domain's last unmount then frees it.
 */
static void erofs_ishare_outlives_sharers_test(struct kunit *test)
{
	struct erofs_kunit_image *img = image_of(test, two_files, 3);
	long base = shared_inodes();
	struct vfsmount *a = mount_of(test, img, "domain_id=kunit-keep");
	struct vfsmount *b = mount_of(test, img, "domain_id=kunit-keep");
	struct path path = { .mnt = a };
	struct dentry *bx;
	struct inode *shared;
	char buf[64] = {};
	struct file *file;
	loff_t pos = 0;

	path.dentry = erofs_kunit_lookup(test, a, "x");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, path.dentry);
	file = dentry_open(&path, O_RDONLY, current_cred());
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_EXPECT_EQ(test, kernel_read(file, buf, sizeof(buf), &pos),
			(ssize_t)sizeof(data_x));
	__fput_sync(file);	/* a kthread's fput() would come later */
	shared = shared_of(d_inode(path.dentry));
	KUNIT_ASSERT_NOT_NULL(test, shared);
	KUNIT_EXPECT_EQ(test, shared->i_mapping->nrpages, 1UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&shared->i_count), 1);

	/* evict the only sharer, as inode reclaim would */
	d_mark_dontcache(d_inode(path.dentry));
	erofs_kunit_dput(test, path.dentry);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&shared->i_count), 0);
	KUNIT_EXPECT_EQ(test, shared->i_mapping->nrpages, 1UL);

	/* a sharer of another mount finds the cached page */
	bx = erofs_kunit_lookup(test, b, "x");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bx);
	KUNIT_EXPECT_PTR_EQ(test, shared_of(d_inode(bx)), shared);
	KUNIT_EXPECT_EQ(test, shared->i_mapping->nrpages, 1UL);
	erofs_kunit_dput(test, bx);

	/* the domain's last unmount frees it */
	erofs_kunit_umount(test, a);
	erofs_kunit_umount(test, b);
	KUNIT_EXPECT_EQ(test, shared_inodes(), base);
}

/* (d) one shared cache filled through sharers of different layouts */

#define BIG_SIZE	(3 * 4096 + 1000)	/* three lclusters and a tail */

/* compressible text, different at every line and for every @seed */
static char *big_data(struct kunit *test, char seed)
{
	char *p = kunit_kmalloc(test, BIG_SIZE + 16, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < BIG_SIZE; i += 16)
		snprintf(p + i, 17, "%c line %08zu\n", seed, i / 16);
	return p;
}

/*
 * "big" in an image of its own; each test case uses a domain of its own, as
 * the shared inodes of an earlier case may still be alive
 */
static struct vfsmount *big_mount(struct kunit *test, const char *data,
				  bool lz4, const char *domain)
{
	struct erofs_kunit_image *img = erofs_kunit_image_alloc(test);
	struct erofs_kunit_file *file;

	if (!IS_ENABLED(CONFIG_EROFS_FS_ZIP))
		kunit_skip(test, "erofs built without compression");
	KUNIT_ASSERT_NOT_NULL(test, img);
	img->feature_compat = EROFS_FEATURE_COMPAT_ISHARE_XATTRS;
	KUNIT_ASSERT_GE(test, erofs_kunit_image_set_ishare(img, FP_NAME), 0);
	file = erofs_kunit_image_add_fp_file(img, "big", data, BIG_SIZE, FP_X);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	file->lz4 = lz4;
	return mount_of(test, img, domain);
}

/* read "big" of @mnt whole and compare it with @want */
static void expect_big(struct kunit *test, struct vfsmount *mnt,
		       const char *want)
{
	char *buf = kunit_kzalloc(test, BIG_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, erofs_kunit_read(test, mnt, "big", buf, BIG_SIZE),
			(ssize_t)BIG_SIZE);
	KUNIT_EXPECT_MEMEQ(test, buf, want, BIG_SIZE);
}

static void drop_shared_cache(struct kunit *test, struct inode *shared)
{
	truncate_inode_pages(shared->i_mapping, 0);
	KUNIT_EXPECT_EQ(test, shared->i_mapping->nrpages, 0UL);
}

static void erofs_ishare_cross_layout_test(struct kunit *test)
{
	char *data = big_data(test, 'a');
	struct vfsmount *zip = big_mount(test, data, true,
					 "domain_id=kunit-layout"), *flat;
	struct inode *zi = inode_of(test, zip, "big"), *fi, *shared;
	struct erofs_sb_info *zsbi = EROFS_SB(zip->mnt_sb), *fsbi;

	shared = shared_of(zi);
	KUNIT_ASSERT_NOT_NULL(test, shared);
	KUNIT_EXPECT_TRUE(test,
			  erofs_inode_is_data_compressed(EROFS_I(zi)->datalayout));

	/* filled through the compressed sharer, the only one */
	expect_big(test, zip, data);
	KUNIT_EXPECT_EQ(test, shared->i_mapping->nrpages, 4UL);
	drop_shared_cache(test, shared);

	/* filled through the uncompressed sharer, whoever asks */
	flat = big_mount(test, data, false, "domain_id=kunit-layout");
	fi = inode_of(test, flat, "big");
	fsbi = EROFS_SB(flat->mnt_sb);
	KUNIT_EXPECT_PTR_EQ(test, shared_of(fi), shared);
	KUNIT_EXPECT_FALSE(test,
			   erofs_inode_is_data_compressed(EROFS_I(fi)->datalayout));
	expect_big(test, zip, data);
	KUNIT_EXPECT_EQ(test, shared->i_mapping->nrpages, 4UL);
	expect_big(test, flat, data);
	KUNIT_EXPECT_EQ(test, shared->i_mapping->nrpages, 4UL);

	/* one file each; flat's read came from the cache zip's read filled */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&zsbi->ishare_files), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&fsbi->ishare_files), 1L);
	KUNIT_EXPECT_EQ(test, erofs_ishare_reads_from_others(zsbi), 0UL);
	KUNIT_EXPECT_EQ(test, erofs_ishare_reads_from_others(fsbi), 1UL);
}

/*
 * Two images claim one fingerprint for different bytes: the bytes a reader
 * of the compressed one sees tell which sharer filled the cache.
 */
static void erofs_ishare_cheapest_sharer_test(struct kunit *test)
{
	char *zdata = big_data(test, 'z'), *fdata = big_data(test, 'f');
	struct vfsmount *zip = big_mount(test, zdata, true,
					 "domain_id=kunit-cheapest");
	struct vfsmount *flat = big_mount(test, fdata, false,
					   "domain_id=kunit-cheapest");
	struct inode *shared = shared_of(inode_of(test, zip, "big"));
	struct dentry *fd = erofs_kunit_lookup(test, flat, "big");

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fd);
	KUNIT_ASSERT_NOT_NULL(test, shared);
	KUNIT_ASSERT_PTR_EQ(test, shared_of(d_inode(fd)), shared);

	/* the uncompressed sharer is preferred, though mounted later */
	expect_big(test, zip, fdata);
	drop_shared_cache(test, shared);

	/* without it, the compressed one fills */
	ihold(shared);
	erofs_kunit_dput(test, fd);
	erofs_kunit_umount(test, flat);
	KUNIT_EXPECT_EQ(test, atomic_read(&shared->i_count), 2);
	iput(shared);
	expect_big(test, zip, zdata);
}

static struct kunit_case erofs_ishare_test_cases[] = {
	KUNIT_CASE_PARAM(erofs_ishare_key_test, key_gen_params),
	KUNIT_CASE(erofs_ishare_key_edges_test),
	KUNIT_CASE(erofs_ishare_match_test),
	KUNIT_CASE(erofs_ishare_size_mismatch_test),
	KUNIT_CASE(erofs_ishare_iget_refcount_test),
	KUNIT_CASE(erofs_ishare_hash_collision_test),
	KUNIT_CASE(erofs_ishare_lifetime_test),
	KUNIT_CASE(erofs_ishare_outlives_sharers_test),
	KUNIT_CASE(erofs_ishare_cross_layout_test),
	KUNIT_CASE(erofs_ishare_cheapest_sharer_test),
	{}
};

static struct kunit_suite erofs_ishare_test_suite = {
	.name = "erofs_ishare",
	.test_cases = erofs_ishare_test_cases,
};

kunit_test_suite(erofs_ishare_test_suite);
