// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on the sharing paths (fault-injection.rst): for each of
 * mount, lookup (attach to the shared inode), open, pread (through a flat
 * sharer, and through an lz4 mount alone, which decompresses), mmap fault
 * and a fill through another mount, fail the 1st, 2nd, ... allocation the
 * syscall makes (/proc/thread-self/fail-nth, failslab or fail_page_alloc)
 * until the syscall no longer reaches the fault.  Each call either fails
 * with a clean error or succeeds, every byte read is right, the file reads
 * right afterwards without faults, and the sharing counters go back to 0.
 * Then fail_make_request on the loop device of one sharer: readers through
 * the other mount get right bytes or EIO, never wrong bytes, never stuck.
 * Skips on kernels without CONFIG_FAULT_INJECTION (and the debugfs knobs).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define DEBUGFS		"/sys/kernel/debug"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAX_POINTS	3000	/* a sweep stops here, reached or not */
#define FILE_NAME	MID_FILE	/* 17 pages */
#define RAM		"/tmp/ram"	/* image copies: no 9p or hostfs I/O */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

/* a debugfs knob of @attr set to @value, the old value kept in @old */
struct knob {
	char path[128];
	char old[64];
};

#define MAX_KNOBS	16
static struct knob knobs[MAX_KNOBS];
static int nr_knobs;

static int set_knob(const char *attr, const char *name, const char *value)
{
	struct knob *k = &knobs[nr_knobs];

	if (nr_knobs == MAX_KNOBS)
		return -ENOSPC;
	snprintf(k->path, sizeof(k->path), DEBUGFS "/%s/%s", attr, name);
	if (read_str(k->path, k->old, sizeof(k->old)))
		return -errno;
	nr_knobs++;
	return write_str(k->path, value);
}

static void restore_knobs(void)
{
	while (nr_knobs > 0) {
		nr_knobs--;
		write_str(knobs[nr_knobs].path, knobs[nr_knobs].old);
	}
}

/*
 * @recipe's image copied to a ramfs (a file-backed mount needs
 * ->read_folio, which tmpfs lacks), so that every fill stays in erofs,
 * the loop driver and the page cache, not 9p or hostfs; its path
 */
static const char *ram_copy(const char *recipe)
{
	static char path[PATH_MAX];
	char cmd[2 * PATH_MAX];
	struct statfs sfs;
	struct stat st;

	mkdir(RAM, 0755);
	if (statfs(RAM, &sfs) || sfs.f_type != RAMFS_MAGIC)
		mount("ramfs", RAM, "ramfs", 0, NULL);
	snprintf(path, sizeof(path), RAM "/%s.erofs", recipe);
	if (stat(path, &st)) {
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", ishare_image(recipe), path);
		if (system(cmd))
			return NULL;
	}
	return path;
}

/* mount(2) @path on @dir in the domain, through a loop device or not */
static int mount_path(const char *path, const char *dir, bool loop)
{
	char dev[64];
	int lfd = -1, ret = 0;

	if (loop) {
		lfd = ishare_loop_attach(path, dev, sizeof(dev));
		if (lfd < 0)
			return lfd;
	}
	if (mount(loop ? dev : path, dir, "erofs", MS_RDONLY, DOMAIN_OPTS))
		ret = -errno;
	if (lfd >= 0)
		close(lfd);
	return ret;
}

static int ram_mount(const char *recipe, const char *dir, bool loop)
{
	const char *path = ram_copy(recipe);

	return path ? mount_path(path, dir, loop) : -EIO;
}

/* the same, and the new filesystem's directory under /sys/fs/erofs */
static int ram_mount_named(const char *recipe, const char *dir, bool loop,
			   char *fs, size_t len)
{
	char before[8192] = "";
	struct dirent *d;
	size_t n = 0;
	DIR *sysfs;
	int ret;

	sysfs = opendir("/sys/fs/erofs");
	if (!sysfs)
		return -errno;
	while ((d = readdir(sysfs)) && n + strlen(d->d_name) + 2 < sizeof(before))
		n += sprintf(before + n, "/%s/", d->d_name);
	closedir(sysfs);
	ret = ram_mount(recipe, dir, loop);
	if (ret)
		return ret;
	sysfs = opendir("/sys/fs/erofs");
	if (!sysfs)
		return -errno;
	ret = -ENOENT;
	while ((d = readdir(sysfs))) {
		char key[300];

		snprintf(key, sizeof(key), "/%s/", d->d_name);
		if (!strstr(before, key)) {
			snprintf(fs, len, "%s", d->d_name);
			ret = 0;
			break;
		}
	}
	closedir(sysfs);
	return ret;
}

/* why fault injection cannot run here, or NULL */
static const char *no_faults(const char *attr)
{
	static char why[256];
	char path[128];

	if (access(FAIL_NTH, W_OK))
		return "no " FAIL_NTH ": kernel without CONFIG_FAULT_INJECTION";
	if (access(DEBUGFS "/failslab", F_OK))
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	snprintf(path, sizeof(path), DEBUGFS "/%s", attr);
	if (access(path, F_OK)) {
		snprintf(why, sizeof(why),
			 "no %s: kernel without CONFIG_%s or CONFIG_FAULT_INJECTION_DEBUG_FS",
			 path, !strcmp(attr, "failslab") ? "FAILSLAB" :
			 !strcmp(attr, "fail_page_alloc") ? "FAIL_PAGE_ALLOC" :
			 "FAIL_MAKE_REQUEST");
		return why;
	}
	return NULL;
}

/*
 * failslab or fail_page_alloc, failing only through fail-nth: the
 * task filter keeps every task without make-it-fail (all of them) out
 * of the random failures that probability 100 would otherwise give, and
 * GFP_KERNEL (reclaiming) allocations are not ignored.  The other
 * allocator keeps ignoring reclaiming allocations, so that the sweep
 * counts (nearly) only its own.
 */
static int setup_attr(const char *attr)
{
	const char *other = strcmp(attr, "failslab") ? "failslab" : "fail_page_alloc";
	int err = 0;

	err |= set_knob(attr, "task-filter", "Y");
	err |= set_knob(attr, "probability", "100");
	err |= set_knob(attr, "interval", "1");
	err |= set_knob(attr, "times", "-1");
	err |= set_knob(attr, "verbose", "0");
	err |= set_knob(attr, "ignore-gfp-wait", "N");
	err |= set_knob(other, "ignore-gfp-wait", "Y");
	if (!strcmp(attr, "fail_page_alloc")) {
		err |= set_knob(attr, "ignore-gfp-highmem", "N");
		err |= set_knob(attr, "min-order", "0");
	}
	return err;
}

static int nth_fd = -1;

static void nth_set(int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	if (pwrite(nth_fd, buf, strlen(buf), 0) < 0)
		abort();
}

/* after an operation: was the fault injected (the count reached 0)? */
static bool nth_reached(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) < 0)
		abort();
	nth_set(0);
	return atoi(buf) == 0;
}

/* errors a failed allocation or I/O may give; anything else is a bug */
static bool clean_error(int err)
{
	return err == ENOMEM || err == EIO || err == EUCLEAN ||
	       err == EINTR || err == EAGAIN || err == ENOBUFS;
}

static sigjmp_buf bus_jmp;
static atomic_int in_map;	/* read by the SIGBUS handler */

static void on_bus(int sig)
{
	if (in_map)
		siglongjmp(bus_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

FIXTURE(faults) {
	char *want;
	size_t size;
	struct sweep_results {
		int points, ok, failed;	/* per operation */
	} r;
};

FIXTURE_VARIANT(faults) {
	const char *attr;
};

FIXTURE_VARIANT_ADD(faults, failslab) {
	.attr = "failslab",
};

FIXTURE_VARIANT_ADD(faults, fail_page_alloc) {
	.attr = "fail_page_alloc",
};

FIXTURE_SETUP(faults)
{
	const char *why;
	ssize_t n;

	ISHARE_PREPARE(true, return);
	why = no_faults(variant->attr);
	if (why)
		SKIP(return, "%s", why);
	n = ishare_slurp(ishare_tree(FILE_NAME), &self->want);
	ASSERT_GT(n, 0);
	self->size = n;
	signal(SIGBUS, on_bus);
	ASSERT_EQ(0, setup_attr(variant->attr));
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth_fd);
}

FIXTURE_TEARDOWN(faults)
{
	if (nth_fd >= 0) {
		nth_set(0);
		close(nth_fd);
		nth_fd = -1;
	}
	restore_knobs();
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	free(self->want);
}

/* @path reads whole and right, with no fault injected */
static bool reads_right(const char *path, const char *want, size_t size)
{
	return ishare_file_is(path, want, size);
}

/* the sharing counters all back to 0 once everything is unmounted */
static bool counters_zero(void)
{
	return !ishare_counter_settle("ishare", "shared_inodes", 0) &&
	       !ishare_counter_settle("ishare", "sharer_inodes", 0) &&
	       !ishare_counter_settle("ishare", "cached_pages", 0);
}

#define SWEEP_LOG(what)							\
	TH_LOG("%s: %d fault points reached, %d calls succeeded, %d failed cleanly", \
	       what, self->r.points, self->r.ok, self->r.failed)

/*
 * account one call of a sweep in @r: @ret < 0 with errno, or success;
 * returns whether the sweep goes on (the fault was injected)
 */
#define SWEEP_STEP(r, ret, err) ({					\
	struct sweep_results *_r = (r);					\
	int _err = (err);						\
	bool _reached = nth_reached();					\
									\
	if ((ret) < 0) {						\
		EXPECT_TRUE(clean_error(_err))				\
			TH_LOG("fault %d: error %d (%s)", n, _err, strerror(_err)); \
		_r->failed++;						\
	} else {							\
		_r->ok++;						\
	}								\
	_r->points += _reached;						\
	_reached && n < MAX_POINTS;					\
})

/* mount(2) of a fingerprinted image, with another sharer mounted */
TEST_F_TIMEOUT(faults, mount, 1200)
{
	char b[PATH_MAX];
	int n, ret, err;

	ASSERT_EQ(0, ram_mount("digest", MNT_A, true));
	ASSERT_TRUE(reads_right(MNT_A "/" FILE_NAME, self->want, self->size));
	ASSERT_NE(NULL, ram_copy("digest-lz4"));
	snprintf(b, sizeof(b), "%s", ram_copy("digest-lz4"));
	for (n = 1;; n++) {
		nth_set(n);
		ret = mount_path(b, MNT_B, false);
		err = -ret;
		if (!SWEEP_STEP(&self->r, ret ? -1 : 0, err)) {
			if (!ret)
				umount2(MNT_B, 0);
			break;
		}
		if (!ret) {
			EXPECT_TRUE(reads_right(MNT_B "/" FILE_NAME, self->want, self->size));
			ASSERT_EQ(0, umount2(MNT_B, 0));
		}
	}
	SWEEP_LOG("mount");
	EXPECT_LT(0, self->r.points);
	ASSERT_EQ(0, umount2(MNT_A, 0));
	EXPECT_TRUE(counters_zero());
}

/* lookup of a fingerprinted file: its inode attaches to the shared one */
TEST_F_TIMEOUT(faults, lookup, 1200)
{
	struct stat st;
	int n, ret;

	ASSERT_EQ(0, ram_mount("digest", MNT_A, true));
	ASSERT_EQ(0, ram_mount("digest-lz4", MNT_B, false));
	ASSERT_TRUE(reads_right(MNT_A "/" FILE_NAME, self->want, self->size));
	for (n = 1;; n++) {
		/* forget B's dentry and inode, so that stat looks it up */
		ASSERT_EQ(0, ishare_drop_caches_mode(2));
		nth_set(n);
		ret = stat(MNT_B "/" FILE_NAME, &st);
		if (!SWEEP_STEP(&self->r, ret, errno))
			break;
		if (!ret)
			EXPECT_EQ((off_t)self->size, st.st_size);
		EXPECT_TRUE(reads_right(MNT_B "/" FILE_NAME, self->want, self->size));
	}
	SWEEP_LOG("lookup");
	EXPECT_LT(0, self->r.points);
	ASSERT_EQ(0, umount2(MNT_B, 0));
	ASSERT_EQ(0, umount2(MNT_A, 0));
	EXPECT_TRUE(counters_zero());
}

/* open(2) of a file whose inode is cached */
TEST_F_TIMEOUT(faults, open, 1200)
{
	struct stat st;
	int n, fd;

	ASSERT_EQ(0, ram_mount("digest", MNT_A, true));
	ASSERT_EQ(0, ram_mount("digest-lz4", MNT_B, false));
	for (n = 1;; n++) {
		ASSERT_EQ(0, stat(MNT_B "/" FILE_NAME, &st));
		nth_set(n);
		fd = open(MNT_B "/" FILE_NAME, O_RDONLY);
		if (!SWEEP_STEP(&self->r, fd, errno)) {
			if (fd >= 0)
				close(fd);
			break;
		}
		if (fd >= 0)
			close(fd);
		EXPECT_TRUE(reads_right(MNT_B "/" FILE_NAME, self->want, self->size));
	}
	SWEEP_LOG("open");
	/* the inode and its shared inode exist since the stat: no page */
	if (strcmp(variant->attr, "fail_page_alloc"))
		EXPECT_LT(0, self->r.points);
	ASSERT_EQ(0, umount2(MNT_B, 0));
	ASSERT_EQ(0, umount2(MNT_A, 0));
	EXPECT_TRUE(counters_zero());
}

/*
 * pread of the whole file with its pages dropped: the bytes it returns
 * are right (a short read is fine), and so are they all afterwards
 */
static void sweep_pread(struct __test_metadata *_metadata,
			struct sweep_results *r, const char *want, size_t size,
			const char *path)
{
	char *buf = malloc(size);
	ssize_t got;
	int n, fd;

	ASSERT_NE(NULL, buf);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	for (n = 1;; n++) {
		ASSERT_EQ(0, ishare_drop_caches_mode(1));
		memset(buf, 0, size);
		nth_set(n);
		got = pread(fd, buf, size, 0);
		if (got >= 0)
			EXPECT_EQ(0, memcmp(buf, want, got))
				TH_LOG("fault %d: pread of %s gave wrong bytes", n, path);
		if (!SWEEP_STEP(r, got, errno))
			break;
		EXPECT_TRUE(reads_right(path, want, size))
			TH_LOG("fault %d: %s reads wrong afterwards", n, path);
	}
	close(fd);
	free(buf);
}

TEST_F_TIMEOUT(faults, pread, 1200)
{
	ASSERT_EQ(0, ram_mount("digest", MNT_A, true));
	ASSERT_EQ(0, ram_mount("digest-lz4", MNT_B, false));
	sweep_pread(_metadata, &self->r, self->want, self->size, MNT_A "/" FILE_NAME);
	SWEEP_LOG("pread");
	EXPECT_LT(0, self->r.points);
	ASSERT_EQ(0, umount2(MNT_B, 0));
	ASSERT_EQ(0, umount2(MNT_A, 0));
	EXPECT_TRUE(counters_zero());
}

/*
 * pread through the lz4 mount alone: no flat sharer to go through, so
 * every fill decompresses, with the allocations that takes
 */
TEST_F_TIMEOUT(faults, pread_lz4, 1200)
{
	ASSERT_EQ(0, ram_mount("digest-lz4", MNT_B, false));
	sweep_pread(_metadata, &self->r, self->want, self->size, MNT_B "/" FILE_NAME);
	SWEEP_LOG("pread through lz4 alone");
	EXPECT_LT(0, self->r.points);
	ASSERT_EQ(0, umount2(MNT_B, 0));
	EXPECT_TRUE(counters_zero());
}

/* sectors read so far from block device @dev (/sys/block/DEV/stat) */
static long sectors_read(const char *dev)
{
	char path[PATH_MAX];
	long ios, merges, sectors = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s/stat", dev);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld %ld", &ios, &merges, &sectors) != 3)
		sectors = -1;
	fclose(f);
	return sectors;
}

/*
 * pread through the lz4 mount B: the fill goes through the cheapest
 * sharer, A's flat image on a loop device, whose disk is then read.
 * (ishare_reads_from_others cannot show it: it counts reads of pages that
 * another mount asked for, and B alone reads here.)
 */
TEST_F_TIMEOUT(faults, fill_through_other, 1200)
{
	char dev[NAME_MAX + 1], fs[NAME_MAX + 1];
	long before;
	int afd;

	ASSERT_EQ(0, ram_mount_named("digest", MNT_A, true, dev, sizeof(dev)));
	ASSERT_EQ(0, ram_mount_named("digest-lz4", MNT_B, false, fs, sizeof(fs)));
	/* A's file open: its inode is a sharer B's fills can go through */
	afd = open(MNT_A "/" FILE_NAME, O_RDONLY);
	ASSERT_LE(0, afd);
	before = sectors_read(dev);
	ASSERT_LE(0, before) TH_LOG("no /sys/block/%s/stat", dev);
	sweep_pread(_metadata, &self->r, self->want, self->size, MNT_B "/" FILE_NAME);
	SWEEP_LOG("fill through another mount");
	EXPECT_LT(0, self->r.points);
	EXPECT_LT(before, sectors_read(dev))
		TH_LOG("B's reads never went through A's %s", dev);
	close(afd);
	ASSERT_EQ(0, umount2(MNT_B, 0));
	ASSERT_EQ(0, umount2(MNT_A, 0));
	EXPECT_TRUE(counters_zero());
}

/* page faults on a shared mapping: right bytes or SIGBUS */
TEST_F_TIMEOUT(faults, mmap_fault, 1200)
{
	size_t len = ishare_pages(self->size) * getpagesize(), i;
	char *map, *copy = malloc(self->size);
	bool bus;
	int n, fd;

	ASSERT_NE(NULL, copy);
	ASSERT_EQ(0, ram_mount("digest", MNT_A, true));
	ASSERT_EQ(0, ram_mount("digest-lz4", MNT_B, false));
	fd = open(MNT_B "/" FILE_NAME, O_RDONLY);
	ASSERT_LE(0, fd);
	for (n = 1;; n++) {
		map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, map);
		ASSERT_EQ(0, ishare_drop_caches_mode(1));
		/* our own pages present: an anonymous fault is not the point */
		memset(copy, 0, self->size);
		bus = false;
		nth_set(n);
		in_map = 1;
		if (sigsetjmp(bus_jmp, 1))
			bus = true;
		else
			for (i = 0; i < self->size; i += getpagesize()) {
				size_t k = self->size - i < (size_t)getpagesize() ?
					   self->size - i : (size_t)getpagesize();

				memcpy(copy + i, map + i, k);
				EXPECT_EQ(0, memcmp(copy + i, self->want + i, k))
					TH_LOG("fault %d: page %zu mapped wrong", n,
					       i / getpagesize());
			}
		in_map = 0;
		munmap(map, len);
		if (!SWEEP_STEP(&self->r, bus ? -1 : 0, EIO))
			break;
		EXPECT_TRUE(reads_right(MNT_B "/" FILE_NAME, self->want, self->size));
	}
	close(fd);
	free(copy);
	SWEEP_LOG("mmap fault");
	EXPECT_LT(0, self->r.points);
	ASSERT_EQ(0, umount2(MNT_B, 0));
	ASSERT_EQ(0, umount2(MNT_A, 0));
	EXPECT_TRUE(counters_zero());
}

/* ---- fail_make_request on one sharer's loop device */

FIXTURE(bio_faults) {
	char loop_fail[128];	/* /sys/block/loopN/make-it-fail of A */
};

FIXTURE_SETUP(bio_faults)
{
	struct stat st;
	const char *why;

	ISHARE_PREPARE(true, return);
	why = no_faults("fail_make_request");
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ram_mount("digest", MNT_A, true));
	ASSERT_EQ(0, ram_mount("digest-copy", MNT_B, true));
	ASSERT_EQ(0, stat(MNT_A, &st));
	snprintf(self->loop_fail, sizeof(self->loop_fail),
		 "/sys/dev/block/%u:%u/make-it-fail", major(st.st_dev), minor(st.st_dev));
	ASSERT_EQ(0, access(self->loop_fail, W_OK));
	ASSERT_EQ(0, set_knob("fail_make_request", "verbose", "0"));
	ASSERT_EQ(0, set_knob("fail_make_request", "interval", "1"));
	ASSERT_EQ(0, set_knob("fail_make_request", "times", "-1"));
	ASSERT_EQ(0, set_knob("fail_make_request", "task-filter", "N"));
	ASSERT_EQ(0, set_knob("fail_make_request", "probability", "0"));
	ASSERT_EQ(0, write_str(self->loop_fail, "1"));
}

FIXTURE_TEARDOWN(bio_faults)
{
	if (self->loop_fail[0])
		write_str(self->loop_fail, "0");
	restore_knobs();
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
}

/*
 * in a child, bounded by @secs: read every file of ishare_files through
 * @mnt and compare; 0 right bytes or EIO (counted in @eio), 1 wrong
 * bytes or another error, 2 stuck
 */
static int read_all(const char *mnt, int secs, int *eio)
{
	int pipefd[2], status = 0, i;
	pid_t pid;

	if (pipe(pipefd))
		return 3;
	pid = fork();
	if (!pid) {
		int errs = 0, wrong = 0;

		alarm(secs);
		for (i = 0; i < (int)ishare_nr_files; i++) {
			char path[PATH_MAX], *want, *got;
			ssize_t n, m;

			snprintf(path, sizeof(path), "%s/%s", mnt, ishare_files[i]);
			n = ishare_slurp(ishare_tree(ishare_files[i]), &want);
			m = ishare_slurp(path, &got);
			if (m == -EIO)
				errs++;
			else if (m != n || memcmp(want, got, n))
				wrong++;
			if (n >= 0)
				free(want);
			if (m >= 0)
				free(got);
		}
		if (write(pipefd[1], &errs, sizeof(errs)) < 0)
			_exit(3);
		_exit(wrong ? 1 : 0);
	}
	close(pipefd[1]);
	waitpid(pid, &status, 0);
	*eio = 0;
	if (read(pipefd[0], eio, sizeof(*eio)) < 0)
		*eio = 0;
	close(pipefd[0]);
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGALRM ? 2 : 3;
	return WEXITSTATUS(status);
}

TEST_F_TIMEOUT(bio_faults, other_mount_reads_right_or_eio, 1200)
{
	static const char * const probs[] = { "100", "30", "0" };
	int p, pass, eio, ret, total_eio = 0;

	for (p = 0; p < 3; p++) {
		ASSERT_EQ(0, write_str(DEBUGFS "/fail_make_request/probability", probs[p]));
		for (pass = 0; pass < 2; pass++) {
			ASSERT_EQ(0, ishare_drop_caches());
			/* B fills through A's failing device first */
			ret = read_all(MNT_B, 300, &eio);
			EXPECT_NE(1, ret)
				TH_LOG("wrong bytes or not EIO through B, A failing at %s %%",
				       probs[p]);
			EXPECT_NE(2, ret) TH_LOG("reader through B stuck, A failing at %s %%",
						 probs[p]);
			EXPECT_EQ(0, ret);
			total_eio += eio;
			ret = read_all(MNT_A, 300, &eio);
			EXPECT_EQ(0, ret)
				TH_LOG("through A itself: %d (1 wrong bytes or not EIO, 2 stuck)",
				       ret);
			total_eio += eio;
			/* with A healthy again, everything reads right */
			if (!strcmp(probs[p], "0"))
				EXPECT_EQ(0, eio);
		}
	}
	TH_LOG("fail_make_request: %d files gave EIO", total_eio);
	ASSERT_EQ(0, write_str(self->loop_fail, "0"));
	ASSERT_EQ(0, umount2(MNT_B, 0));
	ASSERT_EQ(0, umount2(MNT_A, 0));
	EXPECT_TRUE(counters_zero());
}

TEST_HARNESS_MAIN
