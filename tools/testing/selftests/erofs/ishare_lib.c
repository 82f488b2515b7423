// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the erofs page cache sharing selftests; see ishare_lib.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/loop.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest.h"
#include "ishare_lib.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

const char * const ishare_files[] = {
	"random-1", "random-100", "random-511", "random-4095", "random-4096",
	"random-4097", "random-8191", "random-12288", "random-65543",
	"random-1048699", "text-1", "text-100", "text-511", "text-4095",
	"text-4096", "text-4097", "text-8191", "text-12288", "text-65543",
	"text-1048699", "zeros-300000", "sparse-2M", "dir/sub/file-0",
	"dir/sub/file-1", "dir/sub/file-2", "dir/sub/file-3", "dir/sub/file-4",
	"dir/sub/file-5", "dir/sub/file-6", "dir/sub/file-7", "dir/sub/file-8",
	"dir/sub/file-9", "dir/sub/file-10", "dir/sub/file-11",
	"dir/sub/file-12", "dir/sub/file-13", "dir/sub/file-14",
	"dir/sub/file-15", "dir/sub/file-16", "dir/sub/file-17",
	"dir/sub/file-18", "dir/sub/file-19",
};

const unsigned int ishare_nr_files = sizeof(ishare_files) / sizeof(*ishare_files);

/* short enough that every path below it fits in PATH_MAX */
static char images[1024];
/* where the images are seen from inside ishare_prepare()'s private /tmp */
#define IMAGES_MNT	"/tmp/images"
/*
 * copies of images made on first use on a ramfs: for images on tmpfs,
 * since a file-backed mount needs ->read_folio, which tmpfs lacks and
 * ramfs has; and under lockdep, since erofs' readahead reads the backing
 * file under its own invalidate_lock, taking the backing inode's i_rwsem
 * for 9p (netfs) or a direct read, an order lockdep reports against any
 * read of such a file into user memory (stock erofs too)
 */
#define IMAGES_RAM	"/tmp/images-ram"
static bool images_to_ram;
/* why there are no images, when there are none; errno-like status */
static char images_why[256];
static int images_ret = KSFT_SKIP;

#ifndef ISHARE_SRCDIR
#define ISHARE_SRCDIR	"."
#endif

/*
 * Once per program, before the harness forks its tests: the images of
 * EROFS_IMAGES, or else those that mkimages.sh (beside this program, or in
 * the source directory of an O= build) builds with the mkfs.erofs on PATH,
 * once per run, under ${TMPDIR:-/tmp}.
 */
static void __attribute__((constructor)) find_images(void)
{
	const char *env = getenv("EROFS_IMAGES");
	char exe[PATH_MAX], cmd[PATH_MAX + 32], *slash;
	int status;
	ssize_t n;
	FILE *p;

	if (env && *env) {
		if (snprintf(images, sizeof(images), "%s", env) >= (int)sizeof(images)) {
			snprintf(images_why, sizeof(images_why), "EROFS_IMAGES is too long");
			return;
		}
		images_ret = 0;
		return;
	}
	/* only root mounts: leave the reason to ishare_prepare() */
	if (geteuid())
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		snprintf(images_why, sizeof(images_why), "/proc/self/exe: %s",
			 strerror(errno));
		return;
	}
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(cmd, sizeof(cmd), "%s/mkimages.sh", exe);
	/* installed beside the programs, or still in the source directory */
	if (access(cmd, X_OK))
		snprintf(exe, sizeof(exe), "%s", ISHARE_SRCDIR);
	snprintf(cmd, sizeof(cmd), "'%s/mkimages.sh'", exe);
	fflush(NULL);
	p = popen(cmd, "re");
	if (!p) {
		snprintf(images_why, sizeof(images_why), "popen mkimages.sh: %s",
			 strerror(errno));
		images_ret = -errno;
		return;
	}
	/* the image directory, or why there is none */
	if (!fgets(images, sizeof(images), p))
		images[0] = 0;
	images[strcspn(images, "\n")] = 0;
	status = pclose(p);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && images[0]) {
		images_ret = 0;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP) {
		snprintf(images_why, sizeof(images_why), "%s", images);
	} else {
		snprintf(images_why, sizeof(images_why),
			 "mkimages.sh could not build the images (status %d)", status);
		images_ret = -EIO;
	}
	if (images_ret)
		images[0] = 0;
}

size_t ishare_pages(size_t bytes)
{
	long psz = sysconf(_SC_PAGESIZE);

	return (bytes + psz - 1) / psz;
}

/*
 * copy @src to @dst, a new file, by read and write: copy_file_range()
 * refuses to cross filesystems; 0 or -errno
 */
static int copy_file(const char *src, const char *dst)
{
	size_t len = 1 << 20;
	char *buf = malloc(len);
	int in, out, ret = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		ret = -errno;
		goto out_free;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		ret = -errno;
		goto out_in;
	}
	while ((n = read(in, buf, len)) > 0) {
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	}
	if (n < 0) {
		ret = errno ? -errno : -EIO;
		unlink(dst);
	}
	close(out);
out_in:
	close(in);
out_free:
	free(buf);
	return ret;
}

const char *ishare_image(const char *recipe)
{
	static char path[2][PATH_MAX];
	static int slot;
	struct stat st;

	slot ^= 1;
	if (images_to_ram && *recipe) {
		snprintf(path[slot], PATH_MAX, IMAGES_RAM "/%s.erofs", recipe);
		if (!stat(path[slot], &st))
			return path[slot];
		snprintf(path[slot ^ 1], PATH_MAX, "%s/%s.erofs", images, recipe);
		/* on failure the tmpfs path: its mount fails for all to see */
		if (!copy_file(path[slot ^ 1], path[slot]))
			return path[slot];
	}
	snprintf(path[slot], PATH_MAX, "%s/%s.erofs", images, recipe);
	return path[slot];
}

const char *ishare_source(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", images, name);
	return path;
}

const char *ishare_tree(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/tree/%s", images, name);
	return path;
}

int ishare_loop_attach(const char *file, char *dev, size_t len)
{
	struct loop_config cfg;
	int ctl, fd, lfd = -1, nr, tries, err = 0;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		err = -errno;
		goto out;
	}
	for (tries = 0; tries < 10; tries++) {
		nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (nr < 0) {
			err = -errno;
			break;
		}
		snprintf(dev, len, "/dev/loop%d", nr);
		lfd = open(dev, O_RDONLY | O_CLOEXEC);
		if (lfd < 0) {
			err = -errno;
			break;
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = fd;
		cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
		if (!ioctl(lfd, LOOP_CONFIGURE, &cfg)) {
			err = 0;
			break;
		}
		err = -errno;
		close(lfd);
		lfd = -1;
		if (err != -EBUSY)
			break;
	}
	close(ctl);
out:
	close(fd);
	return lfd >= 0 ? lfd : err;
}

/* ishare_mount(), and the loop device it used in @dev ("" if none) */
static int mount_image(const char *recipe, const char *dir, bool loop,
		       const char *opts, char *dev, size_t len)
{
	const char *src = ishare_image(recipe);
	int lfd = -1, ret = 0;

	dev[0] = '\0';
	if (loop) {
		lfd = ishare_loop_attach(src, dev, len);
		if (lfd < 0)
			return lfd;
		src = dev;
	}
	if (mount(src, dir, "erofs", MS_RDONLY, opts && *opts ? opts : NULL))
		ret = -errno;
	/* autoclear: the loop device goes with its filesystem */
	if (lfd >= 0)
		close(lfd);
	return ret;
}

int ishare_mount(const char *recipe, const char *dir, bool loop,
		 const char *opts)
{
	char dev[64];

	return mount_image(recipe, dir, loop, opts, dev, sizeof(dev));
}

#define SYSFS_EROFS	"/sys/fs/erofs"

/* whether /sys/fs/erofs/@name is listed in @names (NUL-separated) */
static bool listed(const char *names, size_t len, const char *name)
{
	const char *p;

	for (p = names; p < names + len; p += strlen(p) + 1)
		if (!strcmp(p, name))
			return true;
	return false;
}

/* the entries of /sys/fs/erofs, NUL-separated, into @names; length */
static size_t sysfs_names(char *names, size_t size)
{
	DIR *dir = opendir(SYSFS_EROFS);
	struct dirent *d;
	size_t len = 0;

	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		size_t n = strlen(d->d_name) + 1;

		if (len + n <= size) {
			memcpy(names + len, d->d_name, n);
			len += n;
		}
	}
	closedir(dir);
	return len;
}

int ishare_mount_named(const char *recipe, const char *dir, bool loop,
		       const char *opts, char *fs, size_t len)
{
	char before[8192], dev[64];
	size_t n = sysfs_names(before, sizeof(before));
	DIR *sysfs;
	struct dirent *d;
	int ret;

	ret = mount_image(recipe, dir, loop, opts, dev, sizeof(dev));
	if (ret)
		return ret;
	/*
	 * a filesystem on a block device is named after it; a loop device
	 * freed by a filesystem that went meanwhile may come back with the
	 * same name, which the list taken before would hide
	 */
	if (dev[0]) {
		snprintf(fs, len, "%s", strrchr(dev, '/') + 1);
		return 0;
	}
	sysfs = opendir(SYSFS_EROFS);
	if (!sysfs)
		return -errno;
	ret = -ENOENT;
	while ((d = readdir(sysfs)))
		if (!listed(before, n, d->d_name)) {
			snprintf(fs, len, "%s", d->d_name);
			ret = 0;
			break;
		}
	closedir(sysfs);
	return ret;
}

long ishare_counter(const char *dir, const char *name)
{
	char path[PATH_MAX];
	long value;
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_EROFS "/%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &value) != 1)
		value = -EINVAL;
	fclose(f);
	return value;
}

long ishare_counter_settle(const char *dir, const char *name, long want)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	long value = ishare_counter(dir, name);
	int i;

	for (i = 0; i < 150 && value != want; i++) {
		nanosleep(&ts, NULL);
		value = ishare_counter(dir, name);
	}
	return value;
}

int ishare_umount(const char *dir, int flags)
{
	return umount2(dir, flags) ? -errno : 0;
}

int ishare_prepare(bool need_ishare, char *why, size_t len)
{
	static const char * const dirs[] = { MNT_A, MNT_B, MNT_C, MNT_D };
	char fdpath[64];
	struct statfs sfs;
	struct stat st;
	unsigned int i;
	int ret, fd;

	if (geteuid()) {
		snprintf(why, len, "needs root");
		return KSFT_SKIP;
	}
	if (images_ret) {
		snprintf(why, len, "%s", images_why);
		return images_ret;
	}
	if (stat(ishare_tree(""), &st) || stat(ishare_image("digest"), &st)) {
		snprintf(why, len, "%s holds no test images (tree/, digest.erofs)", images);
		return -ENOENT;
	}
	if (unshare(CLONE_NEWNS)) {
		snprintf(why, len, "unshare(CLONE_NEWNS): %s", strerror(errno));
		return KSFT_SKIP;
	}
	/* the images stay reachable, bound into the private /tmp */
	fd = open(images, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) ||
	    mount("ishare", "/tmp", "tmpfs", 0, "mode=0755")) {
		ret = -errno;
		snprintf(why, len, "private tmpfs: %s", strerror(errno));
		return ret;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (mkdir(IMAGES_MNT, 0755) ||
	    mount(fdpath, IMAGES_MNT, NULL, MS_BIND, NULL)) {
		ret = -errno;
		snprintf(why, len, "bind %s to %s: %s", images, IMAGES_MNT,
			 strerror(errno));
		close(fd);
		return ret;
	}
	close(fd);
	snprintf(images, sizeof(images), "%s", IMAGES_MNT);
	if (!statfs(IMAGES_MNT, &sfs) &&
	    (sfs.f_type == TMPFS_MAGIC ||
	     (sfs.f_type != RAMFS_MAGIC && !access("/proc/lockdep", F_OK)))) {
		if (mkdir(IMAGES_RAM, 0755) ||
		    mount("ramfs", IMAGES_RAM, "ramfs", 0, NULL)) {
			ret = -errno;
			snprintf(why, len, "ramfs on %s: %s", IMAGES_RAM, strerror(errno));
			return ret;
		}
		images_to_ram = true;
	}
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (mkdir(dirs[i], 0755)) {
			ret = -errno;
			snprintf(why, len, "mkdir %s: %s", dirs[i], strerror(errno));
			return ret;
		}
	}
	if (!need_ishare)
		return 0;
	ret = ishare_mount("digest", MNT_D, false, "inode_share," DOMAIN_OPTS);
	if (ret) {
		snprintf(why, len,
			 "no erofs page cache sharing: mount -o inode_share,domain_id=: %s",
			 strerror(-ret));
		return KSFT_SKIP;
	}
	ret = ishare_umount(MNT_D, 0);
	if (ret)
		snprintf(why, len, "umount %s: %s", MNT_D, strerror(-ret));
	return ret;
}

ssize_t ishare_slurp(const char *path, char **buf)
{
	struct stat st;
	ssize_t done = 0, n;
	int fd, err;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	*buf = malloc(st.st_size + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (done < st.st_size) {
		n = read(fd, *buf + done, st.st_size - done);
		if (n <= 0) {
			err = n ? -errno : -ENODATA;
			close(fd);
			free(*buf);
			*buf = NULL;
			return err;
		}
		done += n;
	}
	close(fd);
	return done;
}

void *ishare_map(const char *path, size_t len, int flags)
{
	void *addr;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return MAP_FAILED;
	addr = mmap(NULL, len, PROT_READ, flags, fd, 0);
	err = errno;
	close(fd);
	errno = err;
	return addr;
}

long ishare_resident(void *addr, size_t len)
{
	size_t i, n = ishare_pages(len);
	unsigned char *vec = malloc(n);
	long res = 0;

	if (!vec)
		return -ENOMEM;
	if (mincore(addr, len, vec)) {
		res = -errno;
	} else {
		for (i = 0; i < n; i++)
			res += vec[i] & 1;
	}
	free(vec);
	return res;
}

long ishare_resident_path(const char *path)
{
	struct stat st;
	void *addr;
	long res;

	if (stat(path, &st))
		return -errno;
	addr = ishare_map(path, st.st_size, MAP_SHARED);
	if (addr == MAP_FAILED)
		return -errno;
	res = ishare_resident(addr, st.st_size);
	munmap(addr, st.st_size);
	return res;
}

void ishare_touch(const void *addr, size_t len)
{
	long psz = sysconf(_SC_PAGESIZE);
	const char *p = addr;
	size_t i;

	for (i = 0; i < len; i += psz)
		ishare_read_byte(p + i);
}

char ishare_read_byte(const char *p)
{
	char c = *p;

	/* the load happens even if nobody looks at the byte */
	__asm__ __volatile__("" : : "r" (c) : "memory");
	return c;
}

uint64_t ishare_pfn(const void *addr)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t ent = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent),
		  (uintptr_t)addr / psz * sizeof(ent)) != sizeof(ent))
		ent = 0;
	close(fd);
	if (!(ent >> 63))	/* not present */
		return 0;
	return ent & ((1ULL << 55) - 1);
}

int ishare_write_str(const char *path, const char *s)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

bool ishare_file_is(const char *path, const char *want, size_t size)
{
	char *buf = malloc(size);
	bool same;
	int fd;

	fd = open(path, O_RDONLY);
	same = buf && fd >= 0 && pread(fd, buf, size, 0) == (ssize_t)size &&
	       !memcmp(buf, want, size);
	if (fd >= 0)
		close(fd);
	free(buf);
	return same;
}

void ishare_read_forever(const char *path, const char *want, size_t size,
			 size_t len)
{
	char *map;
	int fd;

	for (;;) {
		if (!ishare_file_is(path, want, size))
			_exit(1);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(2);
		map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			_exit(2);
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
		if (memcmp(want, map, size))
			_exit(1);
		madvise(map, len, MADV_PAGEOUT);
		if (memcmp(want, map, size))
			_exit(1);
		munmap(map, len);
	}
}

int ishare_drop_caches(void)
{
	return ishare_drop_caches_mode(3);
}

/*
 * A fill's I/O worker waits for the folios it left locked with a
 * reference of its own (erofs_ishare_wait_range() in ishare.c), which it
 * drops only once it runs after the unlock: a drop right after a read can
 * find the last folio still referenced and keep it.  Pages go in a second
 * pass, 20 ms later, when the worker has run.
 */
int ishare_drop_caches_mode(int mode)
{
	char s[4];
	int ret;

	sync();
	snprintf(s, sizeof(s), "%d", mode);
	ret = ishare_write_str("/proc/sys/vm/drop_caches", s);
	if (ret || !(mode & 1))
		return ret;
	usleep(20000);
	return ishare_write_str("/proc/sys/vm/drop_caches", s);
}

long ishare_cached_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Cached: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

long ishare_nr_inodes(void)
{
	long nr = -1, unused;
	FILE *f;

	f = fopen("/proc/sys/fs/inode-nr", "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%ld %ld", &nr, &unused) != 2)
		nr = -1;
	fclose(f);
	return nr;
}

int ishare_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

size_t ishare_kmsg_read(int fd, char *buf, size_t len)
{
	char rec[2048];
	size_t used = 0;
	ssize_t n;
	char *msg, *end;

	if (!len)
		return 0;
	buf[0] = '\0';
	if (fd < 0)
		return 0;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten records */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n[ continuation lines]" */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		used += snprintf(buf + used, len - used, "%s\n", msg);
		if (used >= len) {
			used = len - 1;
			break;
		}
	}
	close(fd);
	return used;
}
