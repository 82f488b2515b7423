/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tiny in-kernel EROFS image builder for KUnit tests.
 *
 * An image holds a superblock with chosen compat features, an optional long
 * xattr name prefix table (plainly in the metadata area or in a packed
 * inode), a root directory and regular files with inline xattrs, stored
 * uncompressed or LZ4-compressed.  erofs_kunit_mount() writes it to a
 * private ramfs and mounts it as a file-backed erofs, so tests run against
 * real erofs objects.
 *
 * Everything is released through kunit-managed allocations and actions.
 */
#ifndef __EROFS_KUNIT_IMAGE_H
#define __EROFS_KUNIT_IMAGE_H

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/mount.h>

/* where the long xattr name prefix table is stored */
enum erofs_kunit_pfx_loc {
	EROFS_KUNIT_PFX_META,	/* plainly in the metadata area */
	EROFS_KUNIT_PFX_PACKED,	/* in the packed inode, as erofs-utils 1.6+ */
};

struct erofs_kunit_image {
	struct kunit *test;
	/* superblock fields, used as given */
	u32 feature_compat;
	u32 feature_incompat;	/* XATTR_PREFIXES/FRAGMENTS are added */
	u8 ishare_xattr_prefix_id;
	enum erofs_kunit_pfx_loc pfx_loc;
	/*
	 * also write a packed inode, holding the "packed" prefixes at the
	 * place of the real table (only with EROFS_KUNIT_PFX_META)
	 */
	bool packed_inode;

	/* private to the builder */
	const char **prefixes, **packed_prefixes;
	unsigned int nr_prefixes, nr_packed_prefixes;
	struct list_head files;
	unsigned int nr_files;
	int ishare_pfx;		/* index from erofs_kunit_image_set_ishare() */
};

struct erofs_kunit_file {
	struct list_head list;
	const char *name;
	const void *data;
	size_t size;
	struct list_head xattrs;
	bool lz4;		/* compressed, one 4KiB pcluster per lcluster */
	/* private to the builder */
	unsigned int xattr_isize;
	u64 nid;
	u32 blkaddr;
};

/* one fingerprinted file for erofs_kunit_image_add_fp_files() */
struct erofs_kunit_fp_file {
	const char *name;
	const void *data;
	size_t size;
	const char *fp;		/* fingerprint xattr value; NULL: none */
};

struct erofs_kunit_image *erofs_kunit_image_alloc(struct kunit *test);
int erofs_kunit_image_add_prefix(struct erofs_kunit_image *img,
				 const char *prefix);
int erofs_kunit_image_add_packed_prefix(struct erofs_kunit_image *img,
					const char *prefix);
int erofs_kunit_image_set_ishare(struct erofs_kunit_image *img,
				 const char *name);
struct erofs_kunit_file *erofs_kunit_image_add_file(struct erofs_kunit_image *img,
						    const char *name,
						    const void *data,
						    size_t size);
int erofs_kunit_file_add_xattr(struct erofs_kunit_image *img,
			       struct erofs_kunit_file *file, const char *name,
			       const void *value, size_t size);
struct erofs_kunit_file *
erofs_kunit_image_add_fp_file(struct erofs_kunit_image *img, const char *name,
			      const void *data, size_t size, const char *fp);
int erofs_kunit_image_add_fp_files(struct erofs_kunit_image *img,
				   const struct erofs_kunit_fp_file *files,
				   unsigned int nr);

void *erofs_kunit_image_build(struct erofs_kunit_image *img, size_t *sizep);
struct vfsmount *erofs_kunit_mount(struct erofs_kunit_image *img,
				   const char *options);

struct dentry *erofs_kunit_lookup(struct kunit *test, struct vfsmount *mnt,
				  const char *name);
int erofs_kunit_getxattr(struct inode *inode, const char *name,
			 void *buf, size_t size);
void erofs_kunit_dput(struct kunit *test, struct dentry *dentry);
void erofs_kunit_umount(struct kunit *test, struct vfsmount *mnt);
ssize_t erofs_kunit_read(struct kunit *test, struct vfsmount *mnt,
			 const char *name, void *buf, size_t size);

#endif
