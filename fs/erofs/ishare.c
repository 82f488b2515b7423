// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page cache sharing ("ishare"): regular files of one trusted domain whose
 * content fingerprints match read through ONE page cache.
 *
 * Design.  Each distinct (domain, fingerprint) key gets a "shared inode" on
 * an internal pseudo mount, found with iget5 by a hash of the key and equal
 * on the full key.  An erofs inode carrying a fingerprint becomes a
 * "sharer": its i_mapping points at the shared inode's mapping, so every
 * open file, mmap, splice, fadvise and readahead of the sharer works on the
 * shared page cache, while the file, its path, /proc/PID/{maps,map_files,fd}
 * and stat stay the user's own (there is no pseudo file at all).  O_DIRECT
 * reads go through the sharer's own iomap, straight to its own device.
 *
 * I/O routing.  The shared mapping's ->read_folio/->readahead fill folios
 * with the data of one sharer, through that sharer's own read path, so
 * files stored in different layouts (flat, inline tail, chunks, any
 * compressor) share one cache.  The sharer is the cheapest live one: the
 * sharer list is kept sorted by fill cost (uncompressed on a block device,
 * then uncompressed through a backing file, then compressed), and the
 * asking file's own sharer (pinned by the open file) is used unless a
 * cheaper one can be pinned.  The compressed and file-backed paths take
 * that inode as a parameter; iomap in 6.12 has no private context for
 * buffered reads and always passes mapping->host, so erofs_iomap_begin()
 * asks erofs_ishare_iomap_inode() which sharer the current task fills with.
 *
 * Lifetime.  The shared cache lives like any page cache.  A sharer holds
 * a reference on its shared inode from attach (inode fill) to detach
 * (sharer eviction).  When the last sharer goes, the shared inode stays in
 * the pseudo filesystem's inode cache while its mapping holds pages, and
 * those pages age on the page LRU like an unshared file's; inode reclaim
 * frees it once page reclaim has emptied it (inode_lru_isolate() skips
 * inodes with pages), and a new sharer of the same key finds it again.
 * Inode reclaim of sharers (slab pressure, drop_caches=2) thus never drops
 * the shared cache, and nothing on an eviction path waits for a folio: a
 * shared inode is evicted there only once its mapping is empty.  The other
 * way out is the last unmount of the domain: each sharing filesystem holds
 * its domain (erofs_ishare_domain), and the last one to go evicts the
 * domain's shared inodes.  Shared inodes match on the domain's generation,
 * so a domain mounted again starts afresh.
 *
 * Fills.  A sharer picked without a file is pinned by igrab() plus a
 * read-trylock of its s_umount with SB_ACTIVE set, so a filesystem being
 * unmounted is never used and never waited for.  Reads complete after the
 * fill returns, so each fill counts in its filesystem's ishare_inflight
 * until the folios it locked are unlocked (a worker of that filesystem
 * waits for them); put_super waits for that count alone, before the
 * devices go: no bio outlives its filesystem, and no unmount waits for
 * another filesystem's I/O.
 *
 * Locking.  erofs_ishare.lock (a spinlock) protects the sharer list and the
 * list of fills in progress; s_umount is read-trylocked and inode->i_lock
 * taken (igrab) under it.  erofs_sb_info.ishare_io_lock protects a
 * filesystem's list of reads in flight.  erofs_ishare_domains_lock (a
 * mutex) protects the list of domains and their users.  The eviction of
 * a domain takes the pseudo sb's s_inode_list_lock, then inode->i_lock.
 */
#include <linux/mount.h>
#include <linux/pagevec.h>
#include <linux/pseudo_fs.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include "xattr.h"
#include "internal.h"

#define EROFS_ISHARE_MAGIC	0x45524953	/* "ERIS" */
#define EROFS_ISHARE_WARNED	0		/* size mismatch logged */
#define EROFS_ISHARE_DEAD	1		/* its domain is gone */

/*
 * Cost of filling the shared cache through a sharer, cheapest first:
 * uncompressed data on a block device goes straight into the shared folios;
 * through a backing file it may be cached a second time by the backing
 * filesystem; compressed data costs decompression and cached pclusters.
 */
enum erofs_ishare_cost {
	EROFS_ISHARE_COST_BDEV,
	EROFS_ISHARE_COST_FILE,
	EROFS_ISHARE_COST_ZIP,
	EROFS_ISHARE_COST_ANY,		/* bound: any sharer */
};

/* i_private of a shared inode */
struct erofs_ishare {
	spinlock_t lock;		/* protects the two lists */
	struct list_head sharers;	/* erofs_inode.ishare_node, by cost */
	struct list_head fills;		/* erofs_ishare_fill.node */
	unsigned long flags;		/* EROFS_ISHARE_{WARNED,DEAD} */
	u64 domain;			/* erofs_ishare_domain.gen */
	u64 filler;			/* erofs_sb_info.ishare_id, see below */
	unsigned int keylen;
	u8 key[];
};

/* one read of the shared mapping in progress, through one sharer */
struct erofs_ishare_fill {
	struct list_head node;
	struct task_struct *task;
	struct inode *sharer;
	bool pinned;			/* igrab + s_umount read held */
	struct erofs_ishare_io *io;	/* NULL: wait for the folios here */
};

/*
 * A range a fill left locked for its I/O, until it completes.  It holds
 * the shared inode, not the folios: a folio reference would keep page
 * reclaim, drop_caches and fadvise(DONTNEED) off the folio until the
 * worker ran.
 */
struct erofs_ishare_io {
	struct list_head node;		/* erofs_sb_info.ishare_io */
	struct inode *shared;
	pgoff_t index, end;
};

/*
 * A domain, while any filesystem mounted in it lives.  @gen tells its
 * shared inodes from those of an earlier domain of the same name.
 */
struct erofs_ishare_domain {
	struct list_head node;
	unsigned int users;		/* sharing filesystems */
	u64 gen;
	char name[];
};

static LIST_HEAD(erofs_ishare_domains);
static DEFINE_MUTEX(erofs_ishare_domains_lock);
static atomic64_t erofs_ishare_last_gen = ATOMIC64_INIT(0);

static struct vfsmount *erofs_ishare_mnt;
static atomic_long_t erofs_ishare_nr = ATOMIC_LONG_INIT(0);
static atomic_long_t erofs_ishare_sharers = ATOMIC_LONG_INIT(0);
static atomic64_t erofs_ishare_last_id = ATOMIC64_INIT(0);

/*
 * Pages of the shared mappings, counted without walking them.  A folio is
 * counted when a fill first sees it (->readahead gets every folio that
 * readahead added, ->read_folio every other one before it is read, and
 * z_erofs counts those its readmore adds) and marked with PG_checked,
 * which migration and splitting carry over; it is uncounted by
 * ->free_folio, which every removal from a page cache calls.  A folio
 * that page-cache code adds and drops without reading it is never
 * counted.  Only a khugepaged collapse (CONFIG_READ_ONLY_THP_FOR_FS) drops
 * folios without ->free_folio and puts in an unmarked one: it leaves the
 * count too high until the domain goes.
 */
static struct percpu_counter erofs_ishare_pages;

void erofs_ishare_count_folio(struct folio *folio)
{
	if (folio_test_checked(folio))
		return;
	folio_set_checked(folio);
	percpu_counter_add(&erofs_ishare_pages, folio_nr_pages(folio));
}

/* the folios of @rac, locked and new in the page cache */
static void erofs_ishare_count_rac(struct readahead_control *rac)
{
	pgoff_t last = readahead_index(rac) + readahead_count(rac) - 1;
	XA_STATE(xas, &rac->mapping->i_pages, readahead_index(rac));
	struct folio *folio;

	rcu_read_lock();
	xas_for_each(&xas, folio, last) {
		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		erofs_ishare_count_folio(folio);
	}
	rcu_read_unlock();
}

static void erofs_ishare_free_folio(struct folio *folio)
{
	if (folio_test_checked(folio))
		percpu_counter_sub(&erofs_ishare_pages, folio_nr_pages(folio));
}

/* the global counters of /sys/fs/erofs/ishare/ */
unsigned long erofs_ishare_stat(enum erofs_ishare_stat_item item)
{
	switch (item) {
	case EROFS_ISHARE_SHARED_INODES:
		return atomic_long_read(&erofs_ishare_nr);
	case EROFS_ISHARE_SHARER_INODES:
		return atomic_long_read(&erofs_ishare_sharers);
	case EROFS_ISHARE_CACHED_PAGES:
		return percpu_counter_sum_positive(&erofs_ishare_pages);
	}
	return 0;
}

/*
 * key = le32 domain length | domain | fingerprint: the explicit length makes
 * the encoding unambiguous ("ab" + "c" never equals "a" + "bc").
 */
EROFS_VISIBLE_IF_KUNIT u8 *
erofs_ishare_encode_key(const char *domain, const void *fp, unsigned int fplen,
			unsigned int *keylen)
{
	size_t dlen = strlen(domain);
	__le32 len = cpu_to_le32(dlen);
	u8 *key;

	*keylen = sizeof(len) + dlen + fplen;
	key = kmalloc(*keylen, GFP_KERNEL);
	if (!key)
		return NULL;
	memcpy(key, &len, sizeof(len));
	memcpy(key + sizeof(len), domain, dlen);
	memcpy(key + sizeof(len) + dlen, fp, fplen);
	return key;
}

/*
 * keyed, so that a crafted image cannot fill one inode hash bucket (under
 * the global inode_hash_lock) with colliding fingerprints
 */
static siphash_key_t erofs_ishare_hash_key __read_mostly;

EROFS_VISIBLE_IF_KUNIT unsigned long
erofs_ishare_hash(const u8 *key, unsigned int keylen)
{
	return (unsigned long)siphash(key, keylen, &erofs_ishare_hash_key);
}

bool erofs_is_ishare_inode(struct inode *inode)
{
	return erofs_ishare_mnt && inode->i_sb == erofs_ishare_mnt->mnt_sb;
}

static int erofs_ishare_test(struct inode *inode, void *data)
{
	struct erofs_ishare *is = inode->i_private, *want = data;

	return is->domain == want->domain && is->keylen == want->keylen &&
	       !memcmp(is->key, want->key, want->keylen);
}

static int erofs_ishare_set(struct inode *inode, void *data)
{
	inode->i_private = data;
	return 0;
}

static const struct address_space_operations erofs_ishare_aops;

/*
 * Find or create the shared inode of @key, hashed to @hash, for a sharer
 * like @inode.  Returns NULL when the shared inode exists with another size
 * or block size.
 */
EROFS_VISIBLE_IF_KUNIT struct inode *
erofs_ishare_iget_hashed(struct inode *inode, const u8 *key,
			 unsigned int keylen, unsigned long hash)
{
	struct erofs_ishare *is;
	struct inode *shared;

	is = kzalloc(struct_size(is, key, keylen), GFP_KERNEL);
	if (!is)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&is->lock);
	INIT_LIST_HEAD(&is->sharers);
	INIT_LIST_HEAD(&is->fills);
	if (EROFS_I_SB(inode)->ishare_domain)
		is->domain = EROFS_I_SB(inode)->ishare_domain->gen;
	is->keylen = keylen;
	memcpy(is->key, key, keylen);

	shared = iget5_locked(erofs_ishare_mnt->mnt_sb, hash,
			      erofs_ishare_test, erofs_ishare_set, is);
	if (!shared) {
		kfree(is);
		return ERR_PTR(-ENOMEM);
	}
	if (shared->i_state & I_NEW) {
		shared->i_ino = get_next_ino();
		shared->i_mode = S_IFREG | 0444;
		shared->i_blkbits = inode->i_blkbits;
		i_size_write(shared, i_size_read(inode));
		shared->i_mapping->a_ops = &erofs_ishare_aops;
		mapping_set_large_folios(shared->i_mapping);
		atomic_long_inc(&erofs_ishare_nr);
		unlock_new_inode(shared);
		return shared;
	}
	kfree(is);
	is = shared->i_private;
	if (i_size_read(shared) != i_size_read(inode) ||
	    shared->i_blkbits != inode->i_blkbits) {
		if (!test_and_set_bit(EROFS_ISHARE_WARNED, &is->flags))
			erofs_info(inode->i_sb,
				   "nid %llu: fingerprint shared by a file of another size (%lld, not %lld); not sharing it",
				   EROFS_I(inode)->nid, i_size_read(inode),
				   i_size_read(shared));
		iput(shared);
		return NULL;
	}
	return shared;
}

static struct inode *erofs_ishare_iget(struct inode *inode, const u8 *key,
				       unsigned int keylen)
{
	return erofs_ishare_iget_hashed(inode, key, keylen,
					erofs_ishare_hash(key, keylen));
}

static unsigned int erofs_ishare_cost(struct inode *inode)
{
	if (erofs_inode_is_data_compressed(EROFS_I(inode)->datalayout))
		return EROFS_ISHARE_COST_ZIP;
	if (erofs_is_fileio_mode(EROFS_I_SB(inode)))
		return EROFS_ISHARE_COST_FILE;
	return EROFS_ISHARE_COST_BDEV;
}

/* whether reads of @vi count as served by another filesystem's fill */
static bool erofs_ishare_from_others(struct erofs_ishare *is,
				     struct erofs_inode *vi)
{
	lockdep_assert_held(&is->lock);
	return is->filler && is->filler != EROFS_I_SB(&vi->vfs_inode)->ishare_id;
}

/* keep the sharer list sorted by cost, first come first among equals */
static void erofs_ishare_add_sharer(struct erofs_ishare *is,
				    struct erofs_inode *vi)
{
	struct erofs_inode *pos;

	spin_lock(&is->lock);
	vi->ishare_from_others = erofs_ishare_from_others(is, vi);
	list_for_each_entry(pos, &is->sharers, ishare_node)
		if (pos->ishare_cost > vi->ishare_cost)
			break;
	list_add_tail(&vi->ishare_node, &pos->ishare_node);
	spin_unlock(&is->lock);
}

/*
 * Called while a regular file inode is filled: read its fingerprint and make
 * it a sharer.  Any failure leaves the file unshared, never unreadable.
 */
void erofs_ishare_attach(struct inode *inode)
{
	struct erofs_sb_info *sbi = EROFS_I_SB(inode);
	struct erofs_inode *vi = EROFS_I(inode);
	unsigned int keylen;
	struct inode *shared;
	void *fp;
	u8 *key;
	int len;

	/* a fingerprint on anything but a regular file is ignored */
	if (!sbi->ishare_name || !S_ISREG(inode->i_mode) ||
	    vi->nid == sbi->packed_nid)
		return;

	fp = kmalloc(i_blocksize(inode), GFP_KERNEL);
	if (!fp)
		return;
	len = erofs_getxattr(inode, sbi->ishare_index, sbi->ishare_name,
			     fp, i_blocksize(inode));
	if (len <= 0)
		goto out_fp;
	key = erofs_ishare_encode_key(sbi->domain_id, fp, len, &keylen);
	if (!key)
		goto out_fp;
	shared = erofs_ishare_iget(inode, key, keylen);
	kfree(key);
	if (IS_ERR_OR_NULL(shared))
		goto out_fp;

	vi->ishare = shared;
	vi->ishare_cost = erofs_ishare_cost(inode);
	vi->ishare_failed = false;
	vi->ishare_from_others = false;
	INIT_LIST_HEAD(&vi->ishare_node);
	atomic_long_inc(&erofs_ishare_sharers);
	atomic_long_inc(&sbi->ishare_files);
	inode->i_mapping = shared->i_mapping;
	inode->i_fop = &erofs_ishare_fops;
out_fp:
	kfree(fp);
}

/*
 * A new sharer becomes visible to other fills only once it is complete:
 * its i_mapping and i_fop are switched and it is no longer I_NEW.
 */
void erofs_ishare_publish(struct inode *inode)
{
	struct erofs_inode *vi = EROFS_I(inode);

	if (vi->ishare)
		erofs_ishare_add_sharer(vi->ishare->i_private, vi);
}

/*
 * The sharer is being evicted (maybe by inode reclaim): no new fill can
 * pick it any more.  Dropping its reference never waits: the shared inode
 * stays cached while it has pages, and is evicted here only when empty.
 */
void erofs_ishare_detach(struct inode *inode)
{
	struct erofs_inode *vi = EROFS_I(inode);
	struct inode *shared = vi->ishare;
	struct erofs_ishare *is;

	if (!shared)
		return;
	is = shared->i_private;
	spin_lock(&is->lock);
	list_del_init(&vi->ishare_node);
	spin_unlock(&is->lock);
	atomic_long_dec(&erofs_ishare_sharers);
	atomic_long_dec(&EROFS_I_SB(inode)->ishare_files);
	inode->i_mapping = &inode->i_data;
	vi->ishare = NULL;
	iput(shared);
}

/*
 * pin the cheapest sharer costing less than @bound whose filesystem is
 * alive and not being unmounted
 */
static struct inode *erofs_ishare_pin(struct erofs_ishare *is,
				      unsigned int bound)
{
	struct erofs_inode *vi;
	struct inode *sharer = NULL;

	spin_lock(&is->lock);
	list_for_each_entry(vi, &is->sharers, ishare_node) {
		struct super_block *sb = vi->vfs_inode.i_sb;

		if (vi->ishare_cost >= bound)
			break;
		if (READ_ONCE(vi->ishare_failed))
			continue;

		if (!down_read_trylock(&sb->s_umount))
			continue;
		if ((sb->s_flags & SB_ACTIVE) && igrab(&vi->vfs_inode)) {
			sharer = &vi->vfs_inode;
			break;
		}
		up_read(&sb->s_umount);
	}
	spin_unlock(&is->lock);
	return sharer;
}

/* a read through @sbi has completed: its unmount may go on */
static void erofs_ishare_io_done(struct erofs_sb_info *sbi)
{
	if (atomic_dec_and_test(&sbi->ishare_inflight))
		wake_up_var(&sbi->ishare_inflight);
}

/*
 * @first: the fill includes the file's first page, so the asking mount
 * becomes the file's filler
 */
static int erofs_ishare_fill_begin(struct inode *shared, struct file *file,
				   bool first, struct erofs_ishare_fill *fill)
{
	struct erofs_ishare *is = shared->i_private;
	struct inode *inode = file ? file_inode(file) : NULL;

	fill->task = current;
	fill->pinned = false;
	/* an open file of a sharer pins that sharer and its filesystem */
	if (inode && (inode->i_mapping != shared->i_mapping ||
		      inode->i_sb->s_op != &erofs_sops))
		inode = NULL;
	fill->sharer = erofs_ishare_pin(is, inode ? EROFS_I(inode)->ishare_cost
						   : EROFS_ISHARE_COST_ANY);
	if (fill->sharer)
		fill->pinned = true;
	else if (inode)
		fill->sharer = inode;
	else
		return -EIO;
	/* counted before the pin goes, so put_super cannot miss it */
	atomic_inc(&EROFS_I_SB(fill->sharer)->ishare_inflight);
	fill->io = kmalloc(sizeof(*fill->io), GFP_NOFS | __GFP_NOWARN);
	spin_lock(&is->lock);
	list_add(&fill->node, &is->fills);
	if (first) {
		struct erofs_inode *vi;

		is->filler = EROFS_SB((inode ?: fill->sharer)->i_sb)->ishare_id;
		list_for_each_entry(vi, &is->sharers, ishare_node)
			WRITE_ONCE(vi->ishare_from_others,
				   erofs_ishare_from_others(is, vi));
	}
	spin_unlock(&is->lock);
	return 0;
}

/*
 * The next locked folio of [*@index, @end] of @mapping, with a reference,
 * or NULL.  Unlocked folios are never referenced, so that page reclaim,
 * drop_caches and fadvise(DONTNEED) are never kept off one by a wait.
 */
static struct folio *erofs_ishare_next_locked(struct address_space *mapping,
					      pgoff_t *index, pgoff_t end)
{
	XA_STATE(xas, &mapping->i_pages, *index);
	struct folio *folio;

	rcu_read_lock();
	xas_for_each(&xas, folio, end) {
		if (xas_retry(&xas, folio) || xa_is_value(folio) ||
		    !folio_test_locked(folio))
			continue;
		if (!folio_try_get(folio)) {
			xas_reset(&xas);
			continue;
		}
		if (unlikely(folio != xas_reload(&xas))) {
			folio_put(folio);
			xas_reset(&xas);
			continue;
		}
		*index = folio->index + folio_nr_pages(folio);
		rcu_read_unlock();
		return folio;
	}
	rcu_read_unlock();
	return NULL;
}

/* wait for the folios of [@index, @end] of @mapping to be unlocked */
static void erofs_ishare_wait_range(struct address_space *mapping,
				    pgoff_t index, pgoff_t end)
{
	struct folio *folio;

	while ((folio = erofs_ishare_next_locked(mapping, &index, end))) {
		folio_wait_locked(folio);
		folio_put(folio);
	}
}

/* whether a folio of [@index, @end] of @mapping is locked */
static bool erofs_ishare_range_locked(struct address_space *mapping,
				      pgoff_t index, pgoff_t end)
{
	struct folio *folio = erofs_ishare_next_locked(mapping, &index, end);

	if (folio)
		folio_put(folio);
	return folio;
}

/*
 * The fill of [@index, +@nr_pages) is issued.  The sharer's filesystem
 * counts its read in flight until the folios it left locked are unlocked
 * (erofs_ishare_io_work()).  Without a record, only read_folio() gets
 * here, @folio is its folio and its caller waits for it anyway.
 */
static void erofs_ishare_fill_end(struct inode *shared,
				  struct erofs_ishare_fill *fill,
				  struct folio *folio, pgoff_t index,
				  unsigned long nr_pages)
{
	struct erofs_ishare *is = shared->i_private;
	struct super_block *sb = fill->sharer->i_sb;
	struct erofs_sb_info *sbi = EROFS_SB(sb);
	struct erofs_ishare_io *io = fill->io;
	pgoff_t end = index + nr_pages - 1;

	spin_lock(&is->lock);
	list_del(&fill->node);
	spin_unlock(&is->lock);

	if (!io && folio) {
		folio_wait_locked(folio);
		/* a read through another file's sharer, which failed */
		if (fill->pinned && !folio_test_uptodate(folio))
			WRITE_ONCE(EROFS_I(fill->sharer)->ishare_failed, true);
	}
	if (io && nr_pages &&
	    erofs_ishare_range_locked(shared->i_mapping, index, end)) {
		ihold(shared);
		io->shared = shared;
		io->index = index;
		io->end = end;
		spin_lock(&sbi->ishare_io_lock);
		list_add_tail(&io->node, &sbi->ishare_io);
		spin_unlock(&sbi->ishare_io_lock);
		queue_work(system_unbound_wq, &sbi->ishare_io_work);
	} else {
		kfree(io);
		erofs_ishare_io_done(sbi);
	}
	if (fill->pinned) {
		iput(fill->sharer);
		up_read(&sb->s_umount);
	}
}

/* wait for the reads in flight through one filesystem, oldest first */
static void erofs_ishare_io_work(struct work_struct *work)
{
	struct erofs_sb_info *sbi = container_of(work, struct erofs_sb_info,
						 ishare_io_work);
	struct erofs_ishare_io *io;

	for (;;) {
		spin_lock(&sbi->ishare_io_lock);
		io = list_first_entry_or_null(&sbi->ishare_io,
					      struct erofs_ishare_io, node);
		if (io)
			list_del(&io->node);
		spin_unlock(&sbi->ishare_io_lock);
		if (!io)
			return;
		erofs_ishare_wait_range(io->shared->i_mapping, io->index,
					io->end);
		/* no wait: the domain outlives this filesystem's reads */
		iput(io->shared);
		kfree(io);
		erofs_ishare_io_done(sbi);
	}
}

/*
 * put_super: the filesystem's sharers are evicted and no fill can pin it
 * (no longer SB_ACTIVE, s_umount held), so only reads already issued
 * through it remain.  Wait for those, and for nothing else, before its
 * devices and backing files go.
 */
void erofs_ishare_wait_io(struct super_block *sb)
{
	struct erofs_sb_info *sbi = EROFS_SB(sb);

	/* not sharing: no fill ever went through it (nor was it set up) */
	if (!sbi->ishare_name)
		return;
	wait_var_event(&sbi->ishare_inflight,
		       !atomic_read(&sbi->ishare_inflight));
	flush_work(&sbi->ishare_io_work);
}

/* for erofs_iomap_begin(): the sharer the current task fills @inode with */
struct inode *erofs_ishare_iomap_inode(struct inode *inode)
{
	struct erofs_ishare *is = inode->i_private;
	struct erofs_ishare_fill *fill;
	struct inode *sharer = NULL;

	spin_lock(&is->lock);
	list_for_each_entry(fill, &is->fills, node) {
		if (fill->task == current) {
			sharer = fill->sharer;
			break;
		}
	}
	spin_unlock(&is->lock);
	DBG_BUGON(!sharer);
	return sharer ?: ERR_PTR(-EIO);
}

/*
 * A buffered read (read(2) family or splice) that returns data while the
 * file's first page was last filled by another mount counts as a read that
 * sharing served (per-mount "ishare_reads_from_others").  Only the mount
 * that last filled the first page is remembered (the file's "filler"), so
 * whole-file reads are exact and reads elsewhere are attributed to it.
 * The fills keep the answer in each sharer (ishare_from_others): a read
 * costs what an unshared one does plus a test of that flag, and a counted
 * one a per-cpu increment.
 */
static void erofs_ishare_account_read(struct inode *inode)
{
	if (READ_ONCE(EROFS_I(inode)->ishare_from_others))
		this_cpu_inc(*EROFS_I_SB(inode)->ishare_reads_from_others);
}

/* the per-mount counter "ishare_reads_from_others" */
unsigned long erofs_ishare_reads_from_others(struct erofs_sb_info *sbi)
{
	unsigned long sum = 0;
	int cpu;

	if (!sbi->ishare_reads_from_others)
		return 0;
	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(sbi->ishare_reads_from_others, cpu);
	return sum;
}

static bool erofs_ishare_compressed(struct inode *sharer)
{
	return IS_ENABLED(CONFIG_EROFS_FS_ZIP) &&
	       erofs_inode_is_data_compressed(EROFS_I(sharer)->datalayout);
}

/* read locked @folio through @fill's sharer, which unlocks it when done */
static int erofs_ishare_fill_folio(struct erofs_ishare_fill *fill,
				   struct folio *folio)
{
	/*
	 * a folio a failed iomap read left behind still carries iomap's
	 * state, which the other paths would take for their own
	 */
	if (folio_test_private(folio))
		iomap_release_folio(folio, GFP_NOFS);
	if (erofs_ishare_compressed(fill->sharer))
		return z_erofs_read_folio_of(fill->sharer, folio);
	if (erofs_is_fileio_mode(EROFS_I_SB(fill->sharer)))
		return erofs_fileio_read_folio_of(fill->sharer, folio);
	return erofs_iomap_read_folio(folio);
}

/*
 * Every caller waits for the folio.  A read through a cheaper sharer than
 * the asking file's own is waited for here, and when it fails (a corrupt
 * or unreadable image), that sharer is never used for others again and
 * the folio is read once more through the file's own sharer: a bad image
 * must not make a healthy image's readers fail.
 */
static int erofs_ishare_read_folio(struct file *file, struct folio *folio)
{
	struct address_space *mapping = folio->mapping;
	unsigned long nr_pages = folio_nr_pages(folio);
	pgoff_t index = folio->index;
	struct erofs_ishare_fill fill;
	int err, tries;

	erofs_ishare_count_folio(folio);
	for (tries = 0; tries < 2; tries++) {
		if (tries) {
			folio_lock(folio);
			if (folio_test_uptodate(folio) ||
			    folio->mapping != mapping) {
				folio_unlock(folio);
				return 0;
			}
		}
		err = erofs_ishare_fill_begin(mapping->host, file, !index,
					      &fill);
		if (err) {
			folio_unlock(folio);
			return err;
		}
		if (fill.pinned && file) {
			kfree(fill.io);
			fill.io = NULL;		/* wait in fill_end */
		}
		err = erofs_ishare_fill_folio(&fill, folio);
		erofs_ishare_fill_end(mapping->host, &fill, folio, index,
				      nr_pages);
		if (!fill.pinned || !file || folio_test_uptodate(folio))
			break;
	}
	return err;
}

static void erofs_ishare_readahead(struct readahead_control *rac)
{
	struct inode *shared = rac->mapping->host;
	pgoff_t index = readahead_index(rac);
	unsigned long nr_pages = readahead_count(rac);
	struct erofs_ishare_fill fill;

	erofs_ishare_count_rac(rac);
	/* folios left in @rac are unlocked by the caller and read later */
	if (erofs_ishare_fill_begin(shared, rac->file, !index, &fill))
		return;
	/* readahead is optional: without a record of its I/O, skip it */
	if (!fill.io) {
		erofs_ishare_fill_end(shared, &fill, NULL, index, 0);
		return;
	}
	if (erofs_ishare_compressed(fill.sharer))
		z_erofs_readahead_of(fill.sharer, rac);
	else if (erofs_is_fileio_mode(EROFS_I_SB(fill.sharer)))
		erofs_fileio_readahead_of(fill.sharer, rac);
	else
		erofs_iomap_readahead(rac);
	erofs_ishare_fill_end(shared, &fill, NULL, index, nr_pages);
}

/*
 * iomap, z_erofs and file-backed fills all keep their per-folio state in
 * folio->private only while the folio is locked, except iomap which frees
 * its own state here; the iomap helpers ignore folios without it.
 */
static const struct address_space_operations erofs_ishare_aops = {
	.read_folio = erofs_ishare_read_folio,
	.readahead = erofs_ishare_readahead,
	.release_folio = iomap_release_folio,
	.invalidate_folio = iomap_invalidate_folio,
	.free_folio = erofs_ishare_free_folio,
};

/*
 * The shared mapping has no ->direct_IO, so O_DIRECT is allowed exactly when
 * the sharer's own mapping allows it: the errno stays that of stock erofs.
 */
static int erofs_ishare_open(struct inode *inode, struct file *file)
{
	if (inode->i_data.a_ops->direct_IO)
		file->f_mode |= FMODE_CAN_ODIRECT;
	return 0;
}

static ssize_t erofs_ishare_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	ssize_t ret = erofs_file_read_iter(iocb, to);

	if (ret > 0 && !(iocb->ki_flags & IOCB_DIRECT))
		erofs_ishare_account_read(file_inode(iocb->ki_filp));
	return ret;
}

static ssize_t erofs_ishare_splice_read(struct file *in, loff_t *ppos,
					struct pipe_inode_info *pipe,
					size_t len, unsigned int flags)
{
	ssize_t ret = filemap_splice_read(in, ppos, pipe, len, flags);

	if (ret > 0)
		erofs_ishare_account_read(file_inode(in));
	return ret;
}

const struct file_operations erofs_ishare_fops = {
	.open		= erofs_ishare_open,
	.llseek		= generic_file_llseek,
	.read_iter	= erofs_ishare_read_iter,
	.mmap		= generic_file_readonly_mmap,
	.get_unmapped_area = thp_get_unmapped_area,
	.splice_read	= erofs_ishare_splice_read,
};

/*
 * Keep a shared inode cached while it has pages: they age on the page LRU,
 * and inode reclaim takes the inode once they are gone.  An empty one, or
 * one whose domain is gone, goes at once; with an empty mapping eviction
 * has no folio to wait for.
 */
static int erofs_ishare_drop_inode(struct inode *inode)
{
	struct erofs_ishare *is = inode->i_private;

	return !is || test_bit(EROFS_ISHARE_DEAD, &is->flags) ||
	       mapping_empty(&inode->i_data) || generic_drop_inode(inode);
}

static void erofs_ishare_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	atomic_long_dec(&erofs_ishare_nr);
}

static void erofs_ishare_free_inode(struct inode *inode)
{
	kfree(inode->i_private);
	erofs_free_inode(inode);
}

static const struct super_operations erofs_ishare_sops = {
	.alloc_inode	= erofs_alloc_inode,
	.free_inode	= erofs_ishare_free_inode,
	.drop_inode	= erofs_ishare_drop_inode,
	.evict_inode	= erofs_ishare_evict_inode,
	.statfs		= simple_statfs,
};

static int erofs_ishare_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, EROFS_ISHARE_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->ops = &erofs_ishare_sops;
	return 0;
}

/* never registered; an owner would pin the module through kern_mount() */
static struct file_system_type erofs_ishare_fs_type = {
	.name		= "erofs_ishare",
	.init_fs_context = erofs_ishare_init_fs_context,
	.kill_sb	= kill_anon_super,
};

/* a filesystem of domain @name is mounted: find or start the domain */
static struct erofs_ishare_domain *erofs_ishare_get_domain(const char *name)
{
	struct erofs_ishare_domain *d;

	mutex_lock(&erofs_ishare_domains_lock);
	list_for_each_entry(d, &erofs_ishare_domains, node) {
		if (!strcmp(d->name, name)) {
			d->users++;
			goto out;
		}
	}
	d = kmalloc(struct_size(d, name, strlen(name) + 1), GFP_KERNEL);
	if (d) {
		memcpy(d->name, name, strlen(name) + 1);
		d->users = 1;
		d->gen = atomic64_inc_return(&erofs_ishare_last_gen);
		list_add(&d->node, &erofs_ishare_domains);
	}
out:
	mutex_unlock(&erofs_ishare_domains_lock);
	return d;
}

/*
 * The domain's last filesystem is gone, and with it every sharer: evict
 * the domain's shared inodes, the shared version of an unmount dropping
 * its filesystem's cache.  Those marked DEAD but still held (a reference
 * taken by someone else) go with their last iput.  Their folios can only
 * be locked briefly (by page reclaim): the reads of each filesystem of the
 * domain completed before it went.
 */
static void erofs_ishare_evict_domain(u64 gen)
{
	struct super_block *psb = erofs_ishare_mnt->mnt_sb;
	struct inode *inode, *toput = NULL;

	spin_lock(&psb->s_inode_list_lock);
	list_for_each_entry(inode, &psb->s_inodes, i_sb_list) {
		struct erofs_ishare *is = inode->i_private;

		spin_lock(&inode->i_lock);
		if (!is || is->domain != gen ||
		    (inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW))) {
			spin_unlock(&inode->i_lock);
			continue;
		}
		set_bit(EROFS_ISHARE_DEAD, &is->flags);
		__iget(inode);
		spin_unlock(&inode->i_lock);
		spin_unlock(&psb->s_inode_list_lock);
		iput(toput);
		toput = inode;
		cond_resched();
		spin_lock(&psb->s_inode_list_lock);
	}
	spin_unlock(&psb->s_inode_list_lock);
	iput(toput);
}

/* kill_sb: the filesystem's devices are gone; leave its domain */
void erofs_ishare_put_sb(struct super_block *sb)
{
	struct erofs_ishare_domain *d = EROFS_SB(sb)->ishare_domain;
	bool last;

	free_percpu(EROFS_SB(sb)->ishare_reads_from_others);
	EROFS_SB(sb)->ishare_reads_from_others = NULL;
	if (!d)
		return;
	EROFS_SB(sb)->ishare_domain = NULL;
	mutex_lock(&erofs_ishare_domains_lock);
	last = !--d->users;
	if (last)
		list_del(&d->node);
	mutex_unlock(&erofs_ishare_domains_lock);
	if (last) {
		erofs_ishare_evict_domain(d->gen);
		kfree(d);
	}
}

/* sharing for a filesystem being mounted: decided once prefixes are read */
int erofs_ishare_init_sb(struct super_block *sb)
{
	struct erofs_sb_info *sbi = EROFS_SB(sb);
	struct erofs_xattr_prefix_item *pf;

	sbi->ishare_id = atomic64_inc_return(&erofs_ishare_last_id);
	atomic_set(&sbi->ishare_inflight, 0);
	spin_lock_init(&sbi->ishare_io_lock);
	INIT_LIST_HEAD(&sbi->ishare_io);
	INIT_WORK(&sbi->ishare_io_work, erofs_ishare_io_work);
	if (!sbi->domain_id || erofs_is_fscache_mode(sb))
		return 0;
	if (!erofs_sb_has_ishare_xattrs(sbi)) {
		erofs_info(sb, "image has no content fingerprints: page cache sharing off");
		return 0;
	}
	pf = &sbi->xattr_prefixes[sbi->ishare_xattr_pfx];
	sbi->ishare_index = pf->prefix->base_index;
	sbi->ishare_name = kmemdup_nul(pf->prefix->infix, pf->infix_len,
				       GFP_KERNEL);
	if (!sbi->ishare_name)
		return -ENOMEM;
	sbi->ishare_reads_from_others = alloc_percpu(unsigned long);
	if (!sbi->ishare_reads_from_others)
		return -ENOMEM;
	sbi->ishare_domain = erofs_ishare_get_domain(sbi->domain_id);
	if (!sbi->ishare_domain)
		return -ENOMEM;
	erofs_info(sb, "page cache sharing on");
	return 0;
}

int __init erofs_ishare_init(void)
{
	int err;

	get_random_bytes(&erofs_ishare_hash_key, sizeof(erofs_ishare_hash_key));
	err = percpu_counter_init(&erofs_ishare_pages, 0, GFP_KERNEL);
	if (err)
		return err;
	erofs_ishare_mnt = kern_mount(&erofs_ishare_fs_type);
	if (IS_ERR(erofs_ishare_mnt)) {
		err = PTR_ERR(erofs_ishare_mnt);
		erofs_ishare_mnt = NULL;
		percpu_counter_destroy(&erofs_ishare_pages);
		return err;
	}
	/*
	 * a pseudo sb comes with the no-op bdi, which turns off readahead
	 * and makes fadvise() ignore shared files: give it a real one
	 */
	err = super_setup_bdi(erofs_ishare_mnt->mnt_sb);
	if (err) {
		kern_unmount(erofs_ishare_mnt);
		erofs_ishare_mnt = NULL;
		percpu_counter_destroy(&erofs_ishare_pages);
	}
	return err;
}

void erofs_ishare_exit(void)
{
	kern_unmount(erofs_ishare_mnt);
	erofs_ishare_mnt = NULL;
	/* the last shared inode has gone, and with it every counted folio */
	percpu_counter_destroy(&erofs_ishare_pages);
}
