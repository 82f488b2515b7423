/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the erofs page cache sharing selftests: private mounts,
 * loop devices, page residency (mincore, pagemap), page cache and inode
 * counters, and kernel messages.  They return -errno instead of asserting,
 * so that each test asserts what it means.
 */
#ifndef EROFS_ISHARE_LIB_H
#define EROFS_ISHARE_LIB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../kselftest.h"	/* KSFT_SKIP, __noreturn */

/* mount points that ishare_prepare() creates on a private tmpfs */
#define MNT_A	"/tmp/a"
#define MNT_B	"/tmp/b"
#define MNT_C	"/tmp/c"
#define MNT_D	"/tmp/d"

/* 1 MiB + 123 bytes: 257 pages, compressible so lz4 really decompresses */
#define BIG_FILE	"text-1048699"
/* 17 pages, below every readahead window */
#define MID_FILE	"text-65543"

/* regular files of images/tree.py, no empty one, no hard link twice */
extern const char * const ishare_files[];
extern const unsigned int ishare_nr_files;

#define DOMAIN_OPTS	"domain_id=ishare-selftest"

struct variant_images {
	const char *a;		/* recipe of mount A (mkimages.sh) */
	const char *b;		/* recipe of mount B */
	bool loop;		/* through a loop device, else file-backed */
};

/*
 * Every test: root, the images (EROFS_IMAGES, or else mkimages.sh once per
 * program), a private mount namespace with a tmpfs on /tmp holding
 * MNT_A..MNT_D and the images bound on /tmp/images and, with @need_ishare,
 * a kernel that accepts "inode_share,domain_id=".  0, KSFT_SKIP or -errno;
 * @why says why not 0.
 */
int ishare_prepare(bool need_ishare, char *why, size_t len);

/*
 * in a FIXTURE_SETUP: prepare, or skip with the reason and do @statement
 * (return, as for SKIP()), or fail
 */
#define ISHARE_PREPARE(need_ishare, statement) do {			\
	char _why[256];							\
	int _ret = ishare_prepare(need_ishare, _why, sizeof(_why));	\
									\
	if (_ret == KSFT_SKIP)						\
		SKIP(statement, "%s", _why);				\
	ASSERT_EQ(0, _ret) TH_LOG("%s", _why);				\
} while (0)

const char *ishare_image(const char *recipe);	/* IMAGES/recipe.erofs */
const char *ishare_tree(const char *name);	/* IMAGES/tree/name */
const char *ishare_source(const char *name);	/* IMAGES/name, a source tree */

/* mount(2) an image (a recipe name) read-only; 0 or -errno */
int ishare_mount(const char *recipe, const char *dir, bool loop,
		 const char *opts);
int ishare_umount(const char *dir, int flags);
/*
 * attach @file read-only (autoclear) to a free loop device, named in @dev;
 * the loop device's fd or -errno
 */
int ishare_loop_attach(const char *file, char *dev, size_t len);
/*
 * the same, and the name of the new filesystem's own directory under
 * /sys/fs/erofs in @fs
 */
int ishare_mount_named(const char *recipe, const char *dir, bool loop,
		       const char *opts, char *fs, size_t len);
/*
 * a counter of /sys/fs/erofs/@dir: "ishare" for the global ones, or a
 * filesystem's directory; its value or -errno
 */
long ishare_counter(const char *dir, const char *name);
/*
 * the same, once it equals @want or after 3 s: filesystems unmounted by a
 * task's exit go a little later
 */
long ishare_counter_settle(const char *dir, const char *name, long want);

/* whole file into a malloc()ed buffer; size or -errno */
ssize_t ishare_slurp(const char *path, char **buf);
/* mmap @len bytes of @path read-only; MAP_FAILED with errno on error */
void *ishare_map(const char *path, size_t len, int flags);
/* pages of [@addr, +@len) in the page cache according to mincore */
long ishare_resident(void *addr, size_t len);
/* the same for a file, through a fresh read-only mapping */
long ishare_resident_path(const char *path);
/* fault in every page of a mapping */
void ishare_touch(const void *addr, size_t len);
char ishare_read_byte(const char *p);
/* physical frame of a mapped page from /proc/self/pagemap; 0 if none */
uint64_t ishare_pfn(const void *addr);

/* @path read whole with pread() has the bytes @want */
bool ishare_file_is(const char *path, const char *want, size_t size);
/*
 * until killed: read @path whole, map its @len bytes and compare both with
 * @want, dropping its pages (fadvise DONTNEED, MADV_PAGEOUT) each time so
 * that they are filled again while other mounts come and go; exits 1 on
 * wrong bytes, 2 on any other failure
 */
void ishare_read_forever(const char *path, const char *want, size_t size,
			 size_t len) __noreturn;

/* write @s to the file @path (sysfs, procfs, cgroupfs); 0 or -errno */
int ishare_write_str(const char *path, const char *s);
int ishare_drop_caches(void);
/* echo @mode > /proc/sys/vm/drop_caches: 1 page cache, 2 slab, 3 both */
int ishare_drop_caches_mode(int mode);
long ishare_cached_kb(void);	/* Cached: in /proc/meminfo */
long ishare_nr_inodes(void);	/* allocated inodes, /proc/sys/fs/inode-nr */

/*
 * kernel messages printed between ishare_kmsg_open() and ishare_kmsg_read(),
 * which closes the fd and returns the text, one message a line
 */
int ishare_kmsg_open(void);
size_t ishare_kmsg_read(int fd, char *buf, size_t len);

size_t ishare_pages(size_t bytes);

#endif
