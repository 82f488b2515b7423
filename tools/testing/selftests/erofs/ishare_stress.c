// SPDX-License-Identifier: GPL-2.0
/*
 * File-identity stress: seven mounts of four stamped images (flat, lz4,
 * lz4hc with fragments, chunk-based; file-backed and on loop devices) in
 * one domain, read at once for ISHARE_STRESS_SECONDS (default 60) by
 * processes doing pread, mmap MAP_SHARED, mmap MAP_PRIVATE (with a write
 * to a private page that must leave the shared cache alone) and splice on
 * random (mount, file, block), one of them in a memory cgroup with a small
 * memory.max, while one thread cycles drop_caches 1, 2 and 3 and another
 * unmounts and remounts one image, with umount -l while it is mapped.
 *
 * Every block of every file of images/stamped.py carries (file, block)
 * and bytes derived from them only: each block read is recomputed here
 * and compared whole, and the first wrong byte says which file and block
 * the page really came from.  The test asserts no wrong byte and no
 * unexpected error, that sharing happened (shared_inodes and the
 * ishare_reads_from_others of the mounts rose), that the counters of
 * /sys/fs/erofs/ishare go back to 0 after the last unmount, and that the
 * kernel logged no splat.  ISHARE_STRESS_SEED replays a run's choices
 * (the threads still interleave as they like); ISHARE_STRESS_READERS sets
 * the number of reader processes besides the memory cgroup's (4).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* the tree of images/stamped.py: keep both in step */
#define BLOCK		4096
#define SALT		0x5354414D50454421ULL	/* "STAMPED!" */
#define NR_SAME		64
#define SAME_SIZE	(256 * 1024)
static const size_t odd_sizes[] = {
	1, 100, 4095, 4097, 65536 + 7, 1048576 + 123, 4194304 + 4097,
};

#define NR_FILES	(NR_SAME + ARRAY_SIZE(odd_sizes))

#define MAX_RUN		8		/* blocks read at once */
#define MEMCG_MAX	"8M"
#define MAX_READERS	16

struct stamped_file {
	unsigned int nr;
	size_t size;
	char name[32];
};

static struct stamped_file files[NR_FILES];

struct stress_mount {
	const char *recipe;
	bool loop;
	bool cycled;		/* unmounted and mounted again all along */
	const char *dir;
	char fs[256];		/* its directory under /sys/fs/erofs */
};

static struct stress_mount mounts[] = {
	{ "stamped-flat",  false, false, "/tmp/s0" },
	{ "stamped-flat",  true,  false, "/tmp/s1" },
	{ "stamped-lz4",   false, false, "/tmp/s2" },
	{ "stamped-lz4hc", true,  false, "/tmp/s3" },
	{ "stamped-chunk", false, false, "/tmp/s4" },
	{ "stamped-lz4",   true,  true,  "/tmp/s5" },
	{ "stamped-lz4hc", false, false, "/tmp/s6" },
};

#define NR_MOUNTS	ARRAY_SIZE(mounts)
#define CYCLED		5

enum { M_PREAD, M_MMAP_SHARED, M_MMAP_PRIVATE, M_SPLICE, NR_METHODS };
static const char * const method_names[] = {
	"pread", "mmap-shared", "mmap-private", "splice",
};

/* shared by every reader process and thread of the test */
struct stress_stats {
	uint64_t blocks[NR_METHODS];	/* blocks checked, by method */
	uint64_t memcg_blocks;		/* of which by the memcg reader */
	uint64_t bytes;
	uint64_t wrong_blocks, wrong_bytes;
	uint64_t errors;		/* unexpected failures */
	uint64_t unmounted;		/* opens that found the cycled mount away */
	uint64_t private_writes;
	uint64_t cycles, detached_mapped, busy, cycled_reads_from_others;
	uint64_t mount_retries;		/* cycled mounts that needed a retry */
	uint64_t drops[3];
	int stop;
	int first_wrong_taken, first_error_taken;
	char first_wrong[512];
	char first_error[512];
};

static struct stress_stats *st;

static void add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static bool stopping(void)
{
	return __atomic_load_n(&st->stop, __ATOMIC_RELAXED);
}

static void error(const char *fmt, ...)
{
	va_list ap;

	add(&st->errors, 1);
	if (__atomic_exchange_n(&st->first_error_taken, 1, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	vsnprintf(st->first_error, sizeof(st->first_error), fmt, ap);
	va_end(ap);
}

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

/* block @nr of file @file, as images/stamped.py writes it */
static void stamped_block(unsigned int file, unsigned int nr, unsigned char *out)
{
	uint64_t state = (((uint64_t)file << 32) | nr) ^ SALT, r;
	unsigned int i;

	memcpy(out, "STMP", 4);
	put32(out + 4, file);
	put32(out + 8, nr);
	put32(out + 12, file ^ nr ^ 0xFFFFFFFFu);
	for (i = 0; i < (BLOCK - 16) / 16; i++) {
		unsigned char *seg = out + 16 + 16 * i;

		r = splitmix(&state);
		if (i && !(r & 1)) {
			memcpy(seg, out + 16 + 16 * ((r >> 1) % i), 16);
		} else {
			put64(seg, splitmix(&state));
			put64(seg + 8, splitmix(&state));
		}
	}
}

/* where a block that is not the expected one says it comes from */
static void describe(const unsigned char *got, size_t len, char *buf, size_t size)
{
	if (len >= 16 && !memcmp(got, "STMP", 4) &&
	    (get32(got + 4) ^ get32(got + 8) ^ 0xFFFFFFFFu) == get32(got + 12))
		snprintf(buf, size, "its stamp says file %u block %u",
			 get32(got + 4), get32(got + 8));
	else
		snprintf(buf, size, "it has no valid stamp (starts %02x %02x %02x %02x)",
			 got[0], len > 1 ? got[1] : 0, len > 2 ? got[2] : 0,
			 len > 3 ? got[3] : 0);
}

/* compare block @nr of @f, read through mount @m with @method; 0 or -1 */
static int check_block(unsigned int m, const struct stamped_file *f,
		       unsigned int nr, const unsigned char *got, int method,
		       const char *how)
{
	unsigned char want[BLOCK];
	size_t len = f->size - (size_t)nr * BLOCK, i, wrong = 0, first = 0;
	char from[128];

	if (len > BLOCK)
		len = BLOCK;
	stamped_block(f->nr, nr, want);
	add(&st->blocks[method], 1);
	add(&st->bytes, len);
	if (!memcmp(want, got, len))
		return 0;
	for (i = len; i-- > 0; )
		if (want[i] != got[i]) {
			wrong++;
			first = i;
		}
	add(&st->wrong_blocks, 1);
	add(&st->wrong_bytes, wrong);
	if (__atomic_exchange_n(&st->first_wrong_taken, 1, __ATOMIC_ACQ_REL))
		return -1;
	describe(got, len, from, sizeof(from));
	snprintf(st->first_wrong, sizeof(st->first_wrong),
		 "%s (%s, %s) %s, %s: want file %u block %u, byte %zu of the block: want 0x%02x got 0x%02x, %zu wrong bytes in the block; %s",
		 mounts[m].dir, mounts[m].recipe,
		 mounts[m].loop ? "loop" : "file-backed", f->name,
		 how ? how : method_names[method], f->nr, nr, first,
		 want[first], got[first], wrong, from);
	return -1;
}

static size_t nr_blocks(const struct stamped_file *f)
{
	return (f->size + BLOCK - 1) / BLOCK;
}

static size_t run_bytes(const struct stamped_file *f, unsigned int b,
			unsigned int run)
{
	size_t end = (size_t)(b + run) * BLOCK;

	return (end < f->size ? end : f->size) - (size_t)b * BLOCK;
}

static int read_pread(int fd, unsigned int m, const struct stamped_file *f,
		      unsigned int b, unsigned int run, unsigned char *buf)
{
	size_t want = run_bytes(f, b, run), done = 0;
	unsigned int i;
	ssize_t n;

	while (done < want) {
		n = pread(fd, buf + done, want - done, (off_t)b * BLOCK + done);
		if (n <= 0) {
			error("pread %s/%s block %u: %s", mounts[m].dir, f->name,
			      b, n ? strerror(errno) : "early end of file");
			return -1;
		}
		done += n;
	}
	for (i = 0; i < run; i++)
		check_block(m, f, b + i, buf + (size_t)i * BLOCK, M_PREAD, NULL);
	return 0;
}

static int read_splice(int fd, unsigned int m, const struct stamped_file *f,
		       unsigned int b, unsigned int run, unsigned char *buf)
{
	size_t want = run_bytes(f, b, run), done = 0, got = 0;
	loff_t off = (loff_t)b * BLOCK;
	unsigned int i;
	int pipefd[2];
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC)) {
		error("pipe: %s", strerror(errno));
		return -1;
	}
	/* MAX_RUN blocks fit the pipe's default 16 pages */
	while (done < want) {
		n = splice(fd, &off, pipefd[1], NULL, want - done, 0);
		if (n <= 0) {
			error("splice %s/%s block %u: %s", mounts[m].dir, f->name,
			      b, n ? strerror(errno) : "early end of file");
			goto out;
		}
		done += n;
	}
	while (got < done) {
		n = read(pipefd[0], buf + got, done - got);
		if (n <= 0) {
			error("read from the splice pipe: %s",
			      n ? strerror(errno) : "empty");
			goto out;
		}
		got += n;
	}
	for (i = 0; i < run; i++)
		check_block(m, f, b + i, buf + (size_t)i * BLOCK, M_SPLICE, NULL);
out:
	close(pipefd[0]);
	close(pipefd[1]);
	return got == want ? 0 : -1;
}

static int read_mmap(int fd, unsigned int m, const struct stamped_file *f,
		     unsigned int b, unsigned int run, bool private,
		     unsigned char *buf)
{
	size_t len = (size_t)run * BLOCK;
	int method = private ? M_MMAP_PRIVATE : M_MMAP_SHARED;
	unsigned char *map, *page;
	unsigned int i, k;

	map = mmap(NULL, len, private ? PROT_READ | PROT_WRITE : PROT_READ,
		   private ? MAP_PRIVATE : MAP_SHARED, fd, (off_t)b * BLOCK);
	if (map == MAP_FAILED) {
		error("mmap %s/%s block %u: %s", mounts[m].dir, f->name, b,
		      strerror(errno));
		return -1;
	}
	for (i = 0; i < run; i++)
		check_block(m, f, b + i, map + (size_t)i * BLOCK, method, NULL);
	if (private) {
		/* a private copy of one page; the cache keeps the file's bytes */
		k = b % run;
		page = map + (size_t)k * BLOCK;
		memset(page, 0xA5, BLOCK);
		add(&st->private_writes, 1);
		for (i = 0; i < BLOCK; i++)
			if (page[i] != 0xA5)
				break;
		if (i < BLOCK)
			error("%s/%s block %u: the private page lost its write",
			      mounts[m].dir, f->name, b + k);
		if (pread(fd, buf, BLOCK, (off_t)(b + k) * BLOCK) > 0)
			check_block(m, f, b + k, buf, M_PREAD,
				    "pread after a write to a MAP_PRIVATE page");
		for (i = 0; i < run; i++)
			if (i != k)
				check_block(m, f, b + i, map + (size_t)i * BLOCK,
					    method, "MAP_PRIVATE page beside a written one");
	}
	munmap(map, len);
	return 0;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * reader process: random (mount, file, block, method) until @end; the
 * memory cgroup's reader goes on for a few more runs through each file,
 * so that its own reads fill its small memory.max
 */
static void reader(uint64_t seed, double end, bool memcg)
{
	unsigned char *buf = malloc(MAX_RUN * BLOCK);
	unsigned int m, b, run, method, k;
	char path[PATH_MAX];
	uint64_t rng = seed | 1;
	const struct stamped_file *f;
	int fd;

	if (!buf)
		_exit(2);
	while (!stopping() && now() < end) {
		m = xorshift(&rng) % NR_MOUNTS;
		f = &files[xorshift(&rng) % NR_FILES];
		b = xorshift(&rng) % nr_blocks(f);
		run = 1 + xorshift(&rng) % MAX_RUN;
		if (b + run > nr_blocks(f))
			run = nr_blocks(f) - b;
		method = xorshift(&rng) % NR_METHODS;
		snprintf(path, sizeof(path), "%s/%s", mounts[m].dir, f->name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (mounts[m].cycled && errno == ENOENT)
				add(&st->unmounted, 1);
			else
				error("open %s: %s", path, strerror(errno));
			continue;
		}
		for (k = 0; k < (memcg ? 8 : 1) && run; k++) {
			switch (method) {
			case M_PREAD:
				read_pread(fd, m, f, b, run, buf);
				break;
			case M_SPLICE:
				read_splice(fd, m, f, b, run, buf);
				break;
			default:
				read_mmap(fd, m, f, b, run,
					  method == M_MMAP_PRIVATE, buf);
				break;
			}
			if (memcg)
				add(&st->memcg_blocks, run);
			b += run;
			if (b + run > nr_blocks(f))
				run = nr_blocks(f) - b;
		}
		/* now and then the pages go, to be filled again by anyone */
		if (!(xorshift(&rng) % 32))
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
	free(buf);
	_exit(0);
}

static void pause_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *drop_caches_thread(void *arg)
{
	static const char * const what[] = { "1", "2", "3" };
	unsigned int i;
	int fd;

	for (i = 0; !stopping(); i = (i + 1) % 3) {
		pause_ms(300);
		fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, what[i], 1) != 1)
			error("drop_caches %s: %s", what[i], strerror(errno));
		else
			add(&st->drops[i], 1);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

/*
 * the cycled mount: mount, map a file and read it, let the readers at it
 * for a while, then umount -l with the file still mapped (and read the
 * mapping, its pages dropped, through the detached filesystem) or a plain
 * umount (umount -l when a reader holds a file open)
 */
static void *cycle_thread(void *arg)
{
	struct stress_mount *sm = &mounts[CYCLED];
	uint64_t rng = *(uint64_t *)arg | 1;
	const struct stamped_file *f;
	unsigned char *map;
	unsigned int i, n, b;
	char path[PATH_MAX];
	long reads;
	int ret;

	while (!stopping()) {
		ret = ishare_mount_named(sm->recipe, sm->dir, sm->loop,
					 DOMAIN_OPTS, sm->fs, sizeof(sm->fs));
		/*
		 * ENOENT now and then from loop attach or mount of the
		 * cycled image (about once in 25 to 60 cycles, cause not
		 * yet known): counted and logged, retried once
		 */
		if (ret == -ENOENT) {
			add(&st->mount_retries, 1);
			usleep(100 * 1000);
			ret = ishare_mount_named(sm->recipe, sm->dir, sm->loop,
						 DOMAIN_OPTS, sm->fs,
						 sizeof(sm->fs));
		}
		if (ret) {
			error("mount %s on %s, cycle %llu: %s", sm->recipe,
			      sm->dir, (unsigned long long)st->cycles,
			      strerror(-ret));
			break;
		}
		add(&st->cycles, 1);
		f = &files[xorshift(&rng) % NR_FILES];
		n = nr_blocks(f);
		snprintf(path, sizeof(path), "%s/%s", sm->dir, f->name);
		map = ishare_map(path, (size_t)n * BLOCK, MAP_SHARED);
		if (map == MAP_FAILED) {
			error("mmap %s: %s", path, strerror(errno));
			map = NULL;
		}
		for (i = 0; map && i < 8; i++) {
			b = xorshift(&rng) % n;
			check_block(CYCLED, f, b, map + (size_t)b * BLOCK,
				    M_MMAP_SHARED, "mmap of the cycled mount");
		}
		pause_ms(100 + xorshift(&rng) % 400);
		reads = ishare_counter(sm->fs, "ishare_reads_from_others");
		if (reads > 0)
			add(&st->cycled_reads_from_others, reads);
		if (map && st->cycles % 2) {
			if (umount2(sm->dir, MNT_DETACH))
				error("umount -l %s: %s", sm->dir, strerror(errno));
			madvise(map, (size_t)n * BLOCK, MADV_PAGEOUT);
			for (i = 0; i < 8; i++) {
				b = xorshift(&rng) % n;
				check_block(CYCLED, f, b, map + (size_t)b * BLOCK,
					    M_MMAP_SHARED,
					    "mmap of the cycled mount after umount -l");
			}
			add(&st->detached_mapped, 1);
			munmap(map, (size_t)n * BLOCK);
			continue;
		}
		if (map)
			munmap(map, (size_t)n * BLOCK);
		if (!umount2(sm->dir, 0))
			continue;
		if (errno != EBUSY) {
			error("umount %s: %s", sm->dir, strerror(errno));
			break;
		}
		add(&st->busy, 1);
		if (umount2(sm->dir, MNT_DETACH)) {
			error("umount -l %s: %s", sm->dir, strerror(errno));
			break;
		}
	}
	return NULL;
}

static int write_file(const char *path, const char *s)
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

static void read_file(const char *path, char *buf, size_t len)
{
	ssize_t n = -1;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

/* a memory cgroup v2 with a small memory.max in @cg; 0 or -errno */
static int memcg_create(char *cg, size_t len, char *why, size_t wlen)
{
	const char *root = "/sys/fs/cgroup";
	char path[PATH_MAX + 16];
	struct statfs sfs;
	int ret;

	if (statfs(root, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		root = "/tmp/cgroup";
		if (mkdir(root, 0755) ||
		    mount("cgroup2", root, "cgroup2", 0, NULL)) {
			ret = -errno;
			snprintf(why, wlen, "mount cgroup2: %s", strerror(errno));
			return ret;
		}
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	ret = write_file(path, "+memory");
	if (ret) {
		snprintf(why, wlen, "+memory in %.200s: %s", path, strerror(-ret));
		return ret;
	}
	snprintf(cg, len, "%s/ishare-stress-%d", root, getpid());
	if (mkdir(cg, 0755)) {
		ret = -errno;
		snprintf(why, wlen, "mkdir %.200s: %s", cg, strerror(errno));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	ret = write_file(path, MEMCG_MAX);
	if (ret)
		snprintf(why, wlen, "%.200s: %s", path, strerror(-ret));
	return ret;
}

static bool kernel_complained(const char *log)
{
	static const char * const bad[] = {
		"BUG:", "WARNING:", "kernel BUG at", "KASAN", "Oops", "Busy inodes",
		"possible circular locking", "possible recursive locking",
		"blocked for more than", "soft lockup", "list_add corruption",
		"list_del corruption", "general protection fault",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (strstr(log, bad[i]))
			return true;
	return false;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

FIXTURE(stress) {
	char cg[256];
	char *log;
};

FIXTURE_SETUP(stress)
{
	unsigned int i;
	struct stat s;

	ISHARE_PREPARE(true, return);
	ASSERT_EQ(0, stat(ishare_image("stamped-flat"), &s))
		TH_LOG("no stamped images (mkimages.sh) in %s", ishare_image(""));
	for (i = 0; i < NR_FILES; i++) {
		files[i].nr = i;
		files[i].size = i < NR_SAME ? SAME_SIZE : odd_sizes[i - NR_SAME];
		snprintf(files[i].name, sizeof(files[i].name), "f%u.%zu",
			 files[i].nr, files[i].size);
	}
	for (i = 0; i < NR_MOUNTS; i++)
		ASSERT_EQ(0, mkdir(mounts[i].dir, 0755));
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	self->log = malloc(1 << 20);
	ASSERT_NE(NULL, self->log);
}

FIXTURE_TEARDOWN(stress)
{
	unsigned int i;

	for (i = 0; i < NR_MOUNTS; i++)
		umount2(mounts[i].dir, MNT_DETACH);
	if (self->cg[0])
		rmdir(self->cg);
	free(self->log);
}

TEST_F_TIMEOUT(stress, stamped_reads_while_mounts_come_and_go, 86400)
{
	unsigned long seconds = env_ul("ISHARE_STRESS_SECONDS", 60);
	unsigned long nr_readers = env_ul("ISHARE_STRESS_READERS", 4);
	uint64_t seed = env_ul("ISHARE_STRESS_SEED", (unsigned long)time(NULL));
	long reads0[NR_MOUNTS], reads, rose = 0, shared, shared_max = 0;
	pid_t pids[MAX_READERS + 1];
	char path[PATH_MAX], why[256], events[1024], *p;
	pthread_t dropper, cycler;
	unsigned int i, m;
	uint64_t cycle_seed, checked = 0;
	double start, end;
	int kmsg, status;
	struct stat s;

	if (nr_readers > MAX_READERS)
		nr_readers = MAX_READERS;
	TH_LOG("%lu s, %lu readers and one in a memory cgroup, seed %llu",
	       seconds, nr_readers, (unsigned long long)seed);
	kmsg = ishare_kmsg_open();

	/* every mount but the cycled one, each file there with its size */
	for (m = 0; m < NR_MOUNTS; m++) {
		if (mounts[m].cycled)
			continue;
		ASSERT_EQ(0, ishare_mount_named(mounts[m].recipe, mounts[m].dir,
						mounts[m].loop, DOMAIN_OPTS,
						mounts[m].fs, sizeof(mounts[m].fs)))
			TH_LOG("%s on %s", mounts[m].recipe, mounts[m].dir);
		for (i = 0; i < NR_FILES; i++) {
			snprintf(path, sizeof(path), "%s/%s", mounts[m].dir,
				 files[i].name);
			ASSERT_EQ(0, stat(path, &s)) TH_LOG("%s", path);
			ASSERT_EQ((off_t)files[i].size, s.st_size) TH_LOG("%s", path);
		}
		reads0[m] = ishare_counter(mounts[m].fs, "ishare_reads_from_others");
		ASSERT_LE(0, reads0[m]);
	}
	ASSERT_EQ(0, memcg_create(self->cg, sizeof(self->cg), why, sizeof(why)))
		TH_LOG("memory cgroup: %s", why);

	start = now();
	end = start + seconds;
	for (i = 0; i <= nr_readers; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i])
			continue;
		if (i == nr_readers) {
			/* the last reader runs in the memory cgroup */
			snprintf(path, sizeof(path), "%s/cgroup.procs", self->cg);
			if (write_file(path, "0"))
				_exit(3);
		}
		reader(seed * 1000003 + i, end, i == nr_readers);
	}
	cycle_seed = seed ^ 0xC1C1E;
	ASSERT_EQ(0, pthread_create(&dropper, NULL, drop_caches_thread, NULL));
	ASSERT_EQ(0, pthread_create(&cycler, NULL, cycle_thread, &cycle_seed));

	while (now() < end) {
		pause_ms(250);
		shared = ishare_counter("ishare", "shared_inodes");
		if (shared > shared_max)
			shared_max = shared;
	}
	__atomic_store_n(&st->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i <= nr_readers; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("reader %u%s ended with status 0x%x", i,
			       i == nr_readers ? " (memory cgroup)" : "", status);
	}
	pthread_join(dropper, NULL);
	pthread_join(cycler, NULL);

	for (m = 0; m < NR_MOUNTS; m++) {
		if (mounts[m].cycled)
			continue;
		reads = ishare_counter(mounts[m].fs, "ishare_reads_from_others");
		TH_LOG("%s (%s, %s): %ld reads from other mounts' fills",
		       mounts[m].dir, mounts[m].recipe,
		       mounts[m].loop ? "loop" : "file-backed", reads - reads0[m]);
		rose += reads - reads0[m];
	}
	snprintf(path, sizeof(path), "%s/memory.events", self->cg);
	read_file(path, events, sizeof(events));
	for (p = events; (p = strchr(p, '\n')); )
		*p = ' ';

	for (i = 0; i < NR_METHODS; i++)
		checked += st->blocks[i];
	TH_LOG("%.0f s: %llu blocks (%llu MiB) checked: pread %llu, mmap-shared %llu,",
	       now() - start, (unsigned long long)checked,
	       (unsigned long long)(st->bytes >> 20),
	       (unsigned long long)st->blocks[M_PREAD],
	       (unsigned long long)st->blocks[M_MMAP_SHARED]);
	TH_LOG("mmap-private %llu, splice %llu; %llu by the memory cgroup reader",
	       (unsigned long long)st->blocks[M_MMAP_PRIVATE],
	       (unsigned long long)st->blocks[M_SPLICE],
	       (unsigned long long)st->memcg_blocks);
	TH_LOG("memory.max " MEMCG_MAX ", memory.events: %s", events);
	TH_LOG("%llu private page writes; drop_caches 1/2/3: %llu/%llu/%llu;",
	       (unsigned long long)st->private_writes,
	       (unsigned long long)st->drops[0], (unsigned long long)st->drops[1],
	       (unsigned long long)st->drops[2]);
	TH_LOG("%llu mount cycles, %llu umount -l while mapped, %llu umount -l while busy,",
	       (unsigned long long)st->cycles,
	       (unsigned long long)st->detached_mapped,
	       (unsigned long long)st->busy);
	TH_LOG("%llu opens found it away, %llu reads from others through it;",
	       (unsigned long long)st->unmounted,
	       (unsigned long long)st->cycled_reads_from_others);
	TH_LOG("shared inodes at most %ld", shared_max);
	TH_LOG("cycled mounts retried after ENOENT: %llu",
	       (unsigned long long)st->mount_retries);
	TH_LOG("wrong blocks %llu, wrong bytes %llu, errors %llu",
	       (unsigned long long)st->wrong_blocks,
	       (unsigned long long)st->wrong_bytes,
	       (unsigned long long)st->errors);

	EXPECT_EQ(0, st->wrong_bytes) TH_LOG("first wrong byte: %s", st->first_wrong);
	EXPECT_EQ(0, st->wrong_blocks);
	EXPECT_EQ(0, st->errors) TH_LOG("first error: %s", st->first_error);
	EXPECT_LT(0, checked);
	EXPECT_LT(0, st->memcg_blocks);
	EXPECT_LT(0, st->cycles);
	EXPECT_LT(0, st->drops[2]);
	/* sharing happened: shared inodes, and reads served by others' fills */
	EXPECT_LT(0, shared_max);
	EXPECT_LT(0, rose);

	for (m = 0; m < NR_MOUNTS; m++) {
		if (mounts[m].cycled)
			umount2(mounts[m].dir, MNT_DETACH);
		else
			EXPECT_EQ(0, umount2(mounts[m].dir, 0))
				TH_LOG("umount %s: %s", mounts[m].dir, strerror(errno));
	}
	EXPECT_EQ(0, ishare_counter_settle("ishare", "shared_inodes", 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "sharer_inodes", 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "cached_pages", 0));

	ishare_kmsg_read(kmsg, self->log, 1 << 20);
	EXPECT_FALSE(kernel_complained(self->log))
		TH_LOG("kernel log:\n%s", self->log);
}

TEST_HARNESS_MAIN
