// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tiny in-kernel EROFS image builder for KUnit tests, see kunit-image.h.
 *
 * Layout (4KiB blocks, meta_blkaddr 0):
 *   byte 1024: superblock; byte 1152: long xattr prefix table (if plain);
 *   then 32-byte compact inodes with inline xattrs (root, packed, files);
 *   then the blocks of the root directory, the packed inode and the files,
 *   all EROFS_INODE_FLAT_PLAIN except files marked lz4: those are
 *   EROFS_INODE_COMPRESSED_FULL, with the map header and one HEAD1 index
 *   per 4KiB lcluster after their xattrs, and each lcluster LZ4-compressed
 *   alone into one block, right-aligned (ZERO_PADDING), as mkfs.erofs does.
 */
#include <linux/fs_context.h>
#include <linux/file.h>
#include <linux/lz4.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/sort.h>
#include <linux/xattr.h>
#include "xattr.h"
#include "kunit-image.h"

#define EKI_BLKSZBITS	12
#define EKI_BLKSZ	BIT(EKI_BLKSZBITS)
#define EKI_PFX_START	(EROFS_SUPER_OFFSET + sizeof(struct erofs_super_block))
#define EKI_MAX_PFX	(EROFS_XATTR_LONG_PREFIX_MASK + 1)

struct eki_xattr {
	struct list_head list;
	u8 index;		/* e_name_index */
	const char *name;	/* e_name */
	u8 name_len;
	const void *value;
	u16 value_size;
};

/* a root directory entry */
struct eki_dirent {
	const char *name;
	u64 nid;
	u8 type;
};

static const struct {
	u8 index;
	const char *prefix;
} eki_short_prefixes[] = {
	{ EROFS_XATTR_INDEX_USER, XATTR_USER_PREFIX },
	{ EROFS_XATTR_INDEX_POSIX_ACL_ACCESS, XATTR_NAME_POSIX_ACL_ACCESS },
	{ EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT, XATTR_NAME_POSIX_ACL_DEFAULT },
	{ EROFS_XATTR_INDEX_TRUSTED, XATTR_TRUSTED_PREFIX },
	{ EROFS_XATTR_INDEX_SECURITY, XATTR_SECURITY_PREFIX },
};

/* split a full xattr name into a short prefix index and the rest */
static u8 eki_split_name(const char *name, const char **rest)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(eki_short_prefixes); i++) {
		const char *p = eki_short_prefixes[i].prefix;

		if (!strncmp(name, p, strlen(p))) {
			*rest = name + strlen(p);
			return eki_short_prefixes[i].index;
		}
	}
	*rest = name;
	return 0;
}

struct erofs_kunit_image *erofs_kunit_image_alloc(struct kunit *test)
{
	struct erofs_kunit_image *img;

	img = kunit_kzalloc(test, sizeof(*img), GFP_KERNEL);
	if (!img)
		return NULL;
	img->test = test;
	img->prefixes = kunit_kcalloc(test, EKI_MAX_PFX, sizeof(char *),
				      GFP_KERNEL);
	img->packed_prefixes = kunit_kcalloc(test, EKI_MAX_PFX,
					     sizeof(char *), GFP_KERNEL);
	if (!img->prefixes || !img->packed_prefixes)
		return NULL;
	INIT_LIST_HEAD(&img->files);
	img->ishare_pfx = -1;
	return img;
}

static int eki_add_prefix(struct erofs_kunit_image *img, const char **tab,
			  unsigned int *nr, const char *prefix)
{
	const char *rest;

	eki_split_name(prefix, &rest);
	if (*nr >= EKI_MAX_PFX || strlen(rest) > EROFS_NAME_LEN)
		return -EINVAL;
	tab[*nr] = kunit_kstrdup(img->test, prefix, GFP_KERNEL);
	if (!tab[*nr])
		return -ENOMEM;
	return (*nr)++;
}

/* add a long xattr name prefix (full name, e.g. "trusted.x."); return its # */
int erofs_kunit_image_add_prefix(struct erofs_kunit_image *img,
				 const char *prefix)
{
	return eki_add_prefix(img, img->prefixes, &img->nr_prefixes, prefix);
}

/* a prefix of the table in the packed inode while the real one is plain */
int erofs_kunit_image_add_packed_prefix(struct erofs_kunit_image *img,
					const char *prefix)
{
	return eki_add_prefix(img, img->packed_prefixes,
			      &img->nr_packed_prefixes, prefix);
}

/*
 * mark the image as carrying fingerprints in xattr @name (a new long prefix
 * unless an equal one exists); return the prefix #
 */
int erofs_kunit_image_set_ishare(struct erofs_kunit_image *img,
				 const char *name)
{
	int i;

	for (i = 0; i < img->nr_prefixes; i++)
		if (!strcmp(img->prefixes[i], name))
			break;
	if (i >= img->nr_prefixes) {
		i = erofs_kunit_image_add_prefix(img, name);
		if (i < 0)
			return i;
	}
	img->feature_compat |= EROFS_FEATURE_COMPAT_ISHARE_XATTRS;
	img->ishare_xattr_prefix_id = i;
	img->ishare_pfx = i;
	return i;
}

static bool eki_valid_name(const char *name)
{
	size_t len = strlen(name);

	return len && len <= EROFS_NAME_LEN && !strchr(name, '/') &&
		strcmp(name, ".") && strcmp(name, "..");
}

/* add a regular file to the root directory; data is copied */
struct erofs_kunit_file *erofs_kunit_image_add_file(struct erofs_kunit_image *img,
						    const char *name,
						    const void *data,
						    size_t size)
{
	struct kunit *test = img->test;
	struct erofs_kunit_file *file;

	if (!eki_valid_name(name) || size > U32_MAX)
		return ERR_PTR(-EINVAL);
	list_for_each_entry(file, &img->files, list)
		if (!strcmp(file->name, name))
			return ERR_PTR(-EEXIST);

	file = kunit_kzalloc(test, sizeof(*file), GFP_KERNEL);
	if (!file)
		return ERR_PTR(-ENOMEM);
	file->name = kunit_kstrdup(test, name, GFP_KERNEL);
	if (size) {
		void *copy = kunit_kmalloc(test, size, GFP_KERNEL);

		if (copy)
			memcpy(copy, data, size);
		file->data = copy;
	}
	if (!file->name || (size && !file->data))
		return ERR_PTR(-ENOMEM);
	file->size = size;
	INIT_LIST_HEAD(&file->xattrs);
	list_add_tail(&file->list, &img->files);
	img->nr_files++;
	return file;
}

/*
 * add an inline xattr; the longest matching long prefix is used as mkfs
 * does, otherwise one of the short ones (a name without one needs a long
 * prefix)
 */
int erofs_kunit_file_add_xattr(struct erofs_kunit_image *img,
			       struct erofs_kunit_file *file, const char *name,
			       const void *value, size_t size)
{
	struct kunit *test = img->test;
	const char *rest, *prest, *suffix;
	int i, best = -1, best_len = -1;
	struct eki_xattr *xa;
	u8 index;

	index = eki_split_name(name, &rest);
	suffix = rest;
	for (i = 0; i < img->nr_prefixes; i++) {
		u8 pindex = eki_split_name(img->prefixes[i], &prest);
		int plen = strlen(prest);

		if (pindex == index && plen > best_len &&
		    !strncmp(rest, prest, plen)) {
			best = i;
			best_len = plen;
		}
	}
	if (best >= 0) {
		index = EROFS_XATTR_LONG_PREFIX | best;
		suffix = rest + best_len;
	} else if (!index) {
		return -EINVAL;
	}
	if (strlen(suffix) > EROFS_NAME_LEN || size > U16_MAX)
		return -EINVAL;

	xa = kunit_kzalloc(test, sizeof(*xa), GFP_KERNEL);
	if (!xa)
		return -ENOMEM;
	xa->index = index;
	xa->name = kunit_kstrdup(test, suffix, GFP_KERNEL);
	xa->name_len = strlen(suffix);
	if (size) {
		void *copy = kunit_kmalloc(test, size, GFP_KERNEL);

		if (copy)
			memcpy(copy, value, size);
		xa->value = copy;
	}
	if (!xa->name || (size && !xa->value))
		return -ENOMEM;
	xa->value_size = size;
	list_add_tail(&xa->list, &file->xattrs);
	return 0;
}

/* add a file whose fingerprint xattr (see set_ishare) is @fp */
struct erofs_kunit_file *
erofs_kunit_image_add_fp_file(struct erofs_kunit_image *img, const char *name,
			      const void *data, size_t size, const char *fp)
{
	struct erofs_kunit_file *file;
	int err;

	if (fp && img->ishare_pfx < 0)
		return ERR_PTR(-EINVAL);
	file = erofs_kunit_image_add_file(img, name, data, size);
	if (IS_ERR(file) || !fp)
		return file;
	err = erofs_kunit_file_add_xattr(img, file,
					 img->prefixes[img->ishare_pfx],
					 fp, strlen(fp));
	return err ? ERR_PTR(err) : file;
}

int erofs_kunit_image_add_fp_files(struct erofs_kunit_image *img,
				   const struct erofs_kunit_fp_file *files,
				   unsigned int nr)
{
	struct erofs_kunit_file *file;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		file = erofs_kunit_image_add_fp_file(img, files[i].name,
						     files[i].data,
						     files[i].size,
						     files[i].fp);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	return 0;
}

static unsigned int eki_xattr_isize(struct erofs_kunit_file *file)
{
	unsigned int size = sizeof(struct erofs_xattr_ibody_header);
	struct eki_xattr *xa;

	if (list_empty(&file->xattrs))
		return 0;
	list_for_each_entry(xa, &file->xattrs, list)
		size += EROFS_XATTR_ALIGN(sizeof(struct erofs_xattr_entry) +
					  xa->name_len + xa->value_size);
	return size;
}

static size_t eki_pfx_table_size(const char **tab, unsigned int nr)
{
	const char *rest;
	size_t size = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		eki_split_name(tab[i], &rest);
		size += round_up(sizeof(__le16) + 1 + strlen(rest), 4);
	}
	return size;
}

static void eki_write_pfx_table(u8 *p, const char **tab, unsigned int nr)
{
	const char *rest;
	unsigned int i;
	u8 base;

	for (i = 0; i < nr; i++) {
		size_t len;

		base = eki_split_name(tab[i], &rest);
		len = strlen(rest);
		*(__le16 *)p = cpu_to_le16(1 + len);
		p[2] = base;
		memcpy(p + 3, rest, len);
		p += round_up(sizeof(__le16) + 1 + len, 4);
	}
}

static bool eki_lz4(struct erofs_kunit_file *file)
{
	return file && file->lz4 && file->size;
}

/* 4KiB lclusters of an lz4 file: one index and one block each */
static unsigned int eki_lclusters(struct erofs_kunit_file *file)
{
	return eki_lz4(file) ? DIV_ROUND_UP(file->size, EKI_BLKSZ) : 0;
}

/* bytes from the inode to the end of its metadata (xattrs, indexes) */
static unsigned int eki_inode_meta_size(struct erofs_kunit_file *file)
{
	unsigned int end = sizeof(struct erofs_inode_compact) +
			   (file ? file->xattr_isize : 0);

	if (!eki_lz4(file))
		return end;
	return Z_EROFS_FULL_INDEX_START(end) +
	       eki_lclusters(file) * sizeof(struct z_erofs_lcluster_index);
}

/* write the compact inode @nid and the inline xattrs of @file */
static void eki_write_inode(u8 *base, u64 nid, umode_t mode,
			    unsigned int nlink, u64 size, u32 blkaddr, u32 ino,
			    struct erofs_kunit_file *file)
{
	struct erofs_inode_compact *dic = (void *)(base + (nid << 5));
	struct erofs_xattr_ibody_header *ih = (void *)(dic + 1);
	unsigned int xattr_isize = file ? file->xattr_isize : 0;
	struct eki_xattr *xa;
	u8 *p;

	dic->i_format = cpu_to_le16(EROFS_INODE_LAYOUT_COMPACT |
			((eki_lz4(file) ? EROFS_INODE_COMPRESSED_FULL :
			  EROFS_INODE_FLAT_PLAIN) << EROFS_I_DATALAYOUT_BIT));
	if (xattr_isize)
		dic->i_xattr_icount = cpu_to_le16(1 + (xattr_isize -
				sizeof(struct erofs_xattr_ibody_header)) / 4);
	dic->i_mode = cpu_to_le16(mode);
	dic->i_nlink = cpu_to_le16(nlink);
	dic->i_size = cpu_to_le32(size);
	if (eki_lz4(file))
		dic->i_u.compressed_blocks = cpu_to_le32(eki_lclusters(file));
	else
		dic->i_u.raw_blkaddr = cpu_to_le32(blkaddr);
	dic->i_ino = cpu_to_le32(ino);
	if (!xattr_isize)
		return;

	p = (u8 *)(ih + 1);
	list_for_each_entry(xa, &file->xattrs, list) {
		struct erofs_xattr_entry *e = (void *)p;

		e->e_name_len = xa->name_len;
		e->e_name_index = xa->index;
		e->e_value_size = cpu_to_le16(xa->value_size);
		memcpy(e->e_name, xa->name, xa->name_len);
		if (xa->value_size)
			memcpy(e->e_name + xa->name_len, xa->value,
			       xa->value_size);
		p += erofs_xattr_entry_size(e);
	}
}

static int eki_dirent_cmp(const void *a, const void *b)
{
	const struct eki_dirent *x = a, *y = b;

	/* erofs compares names bytewise, as unsigned chars */
	return strcmp(x->name, y->name);
}

/* number of root directory blocks; bytes used in the last one */
static unsigned int eki_dir_blocks(struct eki_dirent *de, unsigned int nr,
				   unsigned int *used_last)
{
	unsigned int i = 0, nblks = 0, used = 0;

	while (i < nr) {
		used = 0;
		while (i < nr && used + sizeof(struct erofs_dirent) +
		       strlen(de[i].name) <= EKI_BLKSZ) {
			used += sizeof(struct erofs_dirent) + strlen(de[i].name);
			i++;
		}
		nblks++;
	}
	*used_last = used;
	return nblks;
}

static void eki_write_dir(u8 *blk, struct eki_dirent *de, unsigned int nr)
{
	unsigned int i = 0;

	while (i < nr) {
		unsigned int j = i, used = 0, nameoff;
		struct erofs_dirent *d = (void *)blk;

		while (j < nr && used + sizeof(struct erofs_dirent) +
		       strlen(de[j].name) <= EKI_BLKSZ) {
			used += sizeof(struct erofs_dirent) + strlen(de[j].name);
			j++;
		}
		nameoff = (j - i) * sizeof(struct erofs_dirent);
		for (; i < j; i++, d++) {
			size_t len = strlen(de[i].name);

			d->nid = cpu_to_le64(de[i].nid);
			d->nameoff = cpu_to_le16(nameoff);
			d->file_type = de[i].type;
			memcpy(blk + nameoff, de[i].name, len);
			nameoff += len;
		}
		blk += EKI_BLKSZ;
	}
}

/*
 * The full lcluster indexes of an lz4 file (map header, then one HEAD1
 * index per lcluster, each compressed alone into block @blkaddr + i),
 * then the compressed blocks themselves.
 */
static int eki_write_lz4(u8 *image, struct erofs_kunit_file *file)
{
	u8 *meta = image + (file->nid << 5), *blk, *out;
	struct z_erofs_lcluster_index *di;
	unsigned int i, len;
	void *wrkmem;
	int clen;

	if (!IS_ENABLED(CONFIG_EROFS_FS_ZIP))
		return -EOPNOTSUPP;
	len = sizeof(struct erofs_inode_compact) + file->xattr_isize;
	di = (void *)(meta + Z_EROFS_FULL_INDEX_START(len));
	/* the map header stays zeroed: LZ4, 4KiB lclusters, no options */
	wrkmem = kvmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL);
	out = kmalloc(EKI_BLKSZ, GFP_KERNEL);
	if (!wrkmem || !out) {
		kvfree(wrkmem);
		kfree(out);
		return -ENOMEM;
	}
	for (i = 0; i < eki_lclusters(file); i++, di++) {
		len = min_t(size_t, EKI_BLKSZ, file->size - i * EKI_BLKSZ);
		clen = LZ4_compress_default(file->data + i * EKI_BLKSZ, out,
					    len, EKI_BLKSZ, wrkmem);
		if (clen <= 0)
			break;	/* does not fit: test data must compress */
		blk = image + ((size_t)(file->blkaddr + i) << EKI_BLKSZBITS);
		memcpy(blk + EKI_BLKSZ - clen, out, clen);
		di->di_advise = cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_HEAD1);
		di->di_u.blkaddr = cpu_to_le32(file->blkaddr + i);
	}
	kvfree(wrkmem);
	kfree(out);
	return i < eki_lclusters(file) ? -E2BIG : 0;
}

static u64 eki_place_inode(u64 *pos, unsigned int meta_size)
{
	unsigned int isize = round_up(meta_size, 32);

	if (round_down(*pos, EKI_BLKSZ) != round_down(*pos + isize - 1,
						      EKI_BLKSZ))
		*pos = round_up(*pos, EKI_BLKSZ);
	*pos += isize;
	return (*pos - isize) >> 5;
}

KUNIT_DEFINE_ACTION_WRAPPER(eki_kvfree, kvfree, const void *);

/* lay the image out and return it (kunit-managed), its size in @sizep */
void *erofs_kunit_image_build(struct erofs_kunit_image *img, size_t *sizep)
{
	bool packed = img->packed_inode ||
		      img->pfx_loc == EROFS_KUNIT_PFX_PACKED;
	const char **ptab = img->pfx_loc == EROFS_KUNIT_PFX_PACKED ?
			    img->prefixes : img->packed_prefixes;
	unsigned int nr_ptab = img->pfx_loc == EROFS_KUNIT_PFX_PACKED ?
			       img->nr_prefixes : img->nr_packed_prefixes;
	unsigned int ndirents = img->nr_files + 2, dir_blks, dir_used;
	u64 pos, root_nid, packed_nid = 0, packed_size = 0;
	bool lz4 = false;
	u32 blk, dir_blk, packed_blk = 0, ino = 0;
	struct erofs_super_block *dsb;
	struct erofs_kunit_file *file;
	struct eki_dirent *de;
	size_t size;
	u8 *image;
	int err, i;

	/* metadata: superblock, plain prefix table, inodes */
	pos = EKI_PFX_START;
	if (img->pfx_loc == EROFS_KUNIT_PFX_META)
		pos += eki_pfx_table_size(img->prefixes, img->nr_prefixes);
	pos = round_up(pos, 32);
	root_nid = eki_place_inode(&pos, eki_inode_meta_size(NULL));
	if (root_nid > U16_MAX)
		return ERR_PTR(-E2BIG);
	if (packed)
		packed_nid = eki_place_inode(&pos, eki_inode_meta_size(NULL));

	de = kunit_kcalloc(img->test, ndirents, sizeof(*de), GFP_KERNEL);
	if (!de)
		return ERR_PTR(-ENOMEM);
	de[0] = (struct eki_dirent){ ".", root_nid, FT_DIR };
	de[1] = (struct eki_dirent){ "..", root_nid, FT_DIR };
	i = 2;
	list_for_each_entry(file, &img->files, list) {
		file->xattr_isize = eki_xattr_isize(file);
		if (eki_inode_meta_size(file) > EKI_BLKSZ)
			return ERR_PTR(-E2BIG);
		file->nid = eki_place_inode(&pos, eki_inode_meta_size(file));
		if (eki_lz4(file))
			lz4 = true;
		de[i++] = (struct eki_dirent){ file->name, file->nid,
					       FT_REG_FILE };
	}
	sort(de, ndirents, sizeof(*de), eki_dirent_cmp, NULL);

	/* data blocks: root directory, packed inode, files */
	blk = DIV_ROUND_UP(pos, EKI_BLKSZ);
	dir_blk = blk;
	dir_blks = eki_dir_blocks(de, ndirents, &dir_used);
	blk += dir_blks;
	if (packed) {
		packed_size = EKI_PFX_START + eki_pfx_table_size(ptab, nr_ptab);
		packed_blk = blk;
		blk += DIV_ROUND_UP(packed_size, EKI_BLKSZ);
	}
	list_for_each_entry(file, &img->files, list) {
		file->blkaddr = file->size ? blk : 0;
		blk += DIV_ROUND_UP(file->size, EKI_BLKSZ);
	}

	size = (size_t)blk << EKI_BLKSZBITS;
	image = kvzalloc(size, GFP_KERNEL);
	if (!image)
		return ERR_PTR(-ENOMEM);
	err = kunit_add_action_or_reset(img->test, eki_kvfree, image);
	if (err)
		return ERR_PTR(err);

	dsb = (void *)(image + EROFS_SUPER_OFFSET);
	dsb->magic = cpu_to_le32(EROFS_SUPER_MAGIC_V1);
	dsb->feature_compat = cpu_to_le32(img->feature_compat);
	dsb->blkszbits = EKI_BLKSZBITS;
	dsb->root_nid = cpu_to_le16(root_nid);
	dsb->inos = cpu_to_le64(img->nr_files + 1 + packed);
	dsb->blocks = cpu_to_le32(blk);
	memcpy(dsb->volume_name, "erofs-kunit", sizeof("erofs-kunit"));
	dsb->feature_incompat = cpu_to_le32(img->feature_incompat |
		(img->nr_prefixes ? EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES : 0) |
		(packed ? EROFS_FEATURE_INCOMPAT_FRAGMENTS : 0) |
		(lz4 ? EROFS_FEATURE_INCOMPAT_ZERO_PADDING : 0));
	dsb->xattr_prefix_count = img->nr_prefixes;
	dsb->xattr_prefix_start = cpu_to_le32(EKI_PFX_START >> 2);
	dsb->packed_nid = cpu_to_le64(packed_nid);
	dsb->ishare_xattr_prefix_id = img->ishare_xattr_prefix_id;

	if (img->pfx_loc == EROFS_KUNIT_PFX_META)
		eki_write_pfx_table(image + EKI_PFX_START, img->prefixes,
				    img->nr_prefixes);

	eki_write_inode(image, root_nid, S_IFDIR | 0755, 2,
			(u64)(dir_blks - 1) * EKI_BLKSZ + dir_used, dir_blk,
			++ino, NULL);
	eki_write_dir(image + ((size_t)dir_blk << EKI_BLKSZBITS), de,
		      ndirents);
	if (packed) {
		eki_write_inode(image, packed_nid, S_IFREG | 0600, 1,
				packed_size, packed_blk, ++ino, NULL);
		eki_write_pfx_table(image +
				    ((size_t)packed_blk << EKI_BLKSZBITS) +
				    EKI_PFX_START, ptab, nr_ptab);
	}
	list_for_each_entry(file, &img->files, list) {
		eki_write_inode(image, file->nid, S_IFREG | 0644, 1,
				file->size, file->blkaddr, ++ino, file);
		if (eki_lz4(file)) {
			err = eki_write_lz4(image, file);
			if (err)
				return ERR_PTR(err);
		} else if (file->size) {
			memcpy(image + ((size_t)file->blkaddr << EKI_BLKSZBITS),
			       file->data, file->size);
		}
	}
	*sizep = size;
	return image;
}

/*
 * A file holding @image on a private ramfs: the tests never write to a
 * real filesystem, and need none to be writable.  ramfs, not tmpfs, as a
 * file-backed erofs needs ->read_folio.  The file is an O_TMPFILE, so it
 * has no name to unlink, and it holds the ramfs mount: both go with the
 * last reference to the file.
 */
static struct file *eki_image_file(const void *image, size_t size)
{
	struct file_system_type *type = get_fs_type("ramfs");
	struct vfsmount *mnt;
	struct file *file;
	loff_t off = 0;

	if (!type)
		return ERR_PTR(-ENODEV);
	/* internal, so that the last mntput() kills it at once */
	mnt = vfs_kern_mount(type, SB_KERNMOUNT, "erofs-kunit", NULL);
	module_put(type->owner);
	if (IS_ERR(mnt))
		return ERR_CAST(mnt);
	file = file_open_root_mnt(mnt, ".", O_TMPFILE | O_RDWR | O_LARGEFILE,
				  0600);
	mntput(mnt);
	if (IS_ERR(file))
		return file;

	while (off < size) {
		ssize_t ret = kernel_write(file, image + off, size - off, &off);

		if (ret <= 0) {
			fput(file);
			return ERR_PTR(ret ?: -EIO);
		}
	}
	return file;
}

static struct vfsmount *eki_fc_mount(struct file *file, const char *options)
{
	struct file_system_type *type = get_fs_type("erofs");
	struct fs_context *fc;
	struct vfsmount *mnt;
	char *opts = NULL;
	int err = 0;

	if (!type)
		return ERR_PTR(-ENODEV);
	/*
	 * SB_KERNMOUNT makes an internal mount, which the last mntput()
	 * kills at once: a kthread's ordinary last mntput() would leave the
	 * unmount to a work item, and the tests could not tell when it ran.
	 */
	fc = fs_context_for_mount(type, SB_RDONLY | SB_KERNMOUNT);
	module_put(type->owner);	/* the context holds its own reference */
	if (IS_ERR(fc))
		return ERR_CAST(fc);

	erofs_kunit_fc_set_file(fc, file);
	if (options) {
		opts = kstrdup(options, GFP_KERNEL);
		err = opts ? generic_parse_monolithic(fc, opts) : -ENOMEM;
		kfree(opts);
	}
	mnt = err ? ERR_PTR(err) : fc_mount(fc);
	put_fs_context(fc);
	return mnt;
}

KUNIT_DEFINE_ACTION_WRAPPER(eki_mntput, mntput, struct vfsmount *);

/*
 * Build @img, write it to a file on a private ramfs and mount that as a
 * file-backed erofs with @options (may be NULL); the mount goes when the
 * test ends.  Returns the mount or its error; a test that cannot get its
 * image file fails.
 */
struct vfsmount *erofs_kunit_mount(struct erofs_kunit_image *img,
				   const char *options)
{
	struct kunit *test = img->test;
	struct vfsmount *mnt;
	struct file *file;
	size_t size;
	void *image;
	int err;

	image = erofs_kunit_image_build(img, &size);
	if (IS_ERR(image))
		return image;

	file = eki_image_file(image, size);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, file,
					 "no image file on a private ramfs");
	mnt = eki_fc_mount(file, options);
	fput(file);		/* a mount holds its own reference */
	if (IS_ERR(mnt))
		return mnt;
	err = kunit_add_action_or_reset(test, eki_mntput, mnt);
	return err ? ERR_PTR(err) : mnt;
}

KUNIT_DEFINE_ACTION_WRAPPER(eki_dput, dput, struct dentry *);

/* look @name up in the root directory of @mnt; the dentry is kunit-managed */
struct dentry *erofs_kunit_lookup(struct kunit *test, struct vfsmount *mnt,
				  const char *name)
{
	struct dentry *dentry;
	int err;

	dentry = lookup_one_len_unlocked(name, mnt->mnt_root, strlen(name));
	if (IS_ERR(dentry))
		return dentry;
	if (d_really_is_negative(dentry)) {
		dput(dentry);
		return ERR_PTR(-ENOENT);
	}
	err = kunit_add_action_or_reset(test, eki_dput, dentry);
	return err ? ERR_PTR(err) : dentry;
}

/* erofs_getxattr() by full name, also for names without a namespace */
int erofs_kunit_getxattr(struct inode *inode, const char *name,
			 void *buf, size_t size)
{
	const char *rest;
	u8 index = eki_split_name(name, &rest);

	return erofs_getxattr(inode, index, rest, buf, size);
}

/* read up to @size bytes of file @name in the root of @mnt */
ssize_t erofs_kunit_read(struct kunit *test, struct vfsmount *mnt,
			 const char *name, void *buf, size_t size)
{
	struct path path = { .mnt = mnt };
	struct file *file;
	ssize_t ret = 0, done = 0;
	loff_t pos = 0;

	path.dentry = erofs_kunit_lookup(test, mnt, name);
	if (IS_ERR(path.dentry))
		return PTR_ERR(path.dentry);
	file = dentry_open(&path, O_RDONLY, current_cred());
	if (IS_ERR(file))
		return PTR_ERR(file);
	while (done < size) {
		ret = kernel_read(file, buf + done, size - done, &pos);
		if (ret <= 0)
			break;
		done += ret;
	}
	__fput_sync(file);	/* a kthread's fput() would come later */
	return ret < 0 ? ret : done;
}

/* release early what erofs_kunit_lookup() and erofs_kunit_mount() hold */
void erofs_kunit_dput(struct kunit *test, struct dentry *dentry)
{
	kunit_release_action(test, eki_dput, dentry);
}

void erofs_kunit_umount(struct kunit *test, struct vfsmount *mnt)
{
	kunit_release_action(test, eki_mntput, mnt);
}
