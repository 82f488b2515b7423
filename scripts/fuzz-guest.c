// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-guest PLAN VALID...: the guest side of scripts/fuzz.sh.  Mounts the
 * valid images VALID... in one domain (every other one on a loop device),
 * then for each mutant of PLAN (images/fuzz.py) writes the mutant into a
 * ramfs on /tmp/fuzz, mounts it (every third one on a loop device, the
 * rest file-backed) in that domain, dropping each file's shared pages
 * before reading it, or in a domain of its own (every other one), reads
 * everything (readdir recursively, stat, every xattr, read and mmap of
 * every regular file, readlink) and unmounts it.
 * Each mutant runs in a child process: a child that dies of a signal or
 * makes no progress (no read, mapped page or directory entry) for
 * FUZZ_TIMEOUT seconds (60) is a failure.  A corrupt compressed file can
 * be slow without being stuck: stock erofs may decompress a whole
 * pcluster for each page (a mutant of the lz4 seed with a 2 GB i_size
 * reads at 0.8 MB/s on UML, slower with sharing off than on), so a file is
 * read up to 1 MiB and mapped up to 1 MiB.  Each mutant is
 * named in the kernel log (/dev/kmsg) before it is mounted, so a splat
 * names the mutant that caused it.  Every FUZZ_CHECK_EVERY mutants (100)
 * and at the end, with no mutant mounted, caches are dropped and the
 * valid mounts must read back exactly what they read first (a mutant's data
 * must not outlive it in the shared cache); at the end, with everything
 * unmounted, the global sharing counters must be back to 0.
 * Prints "fuzz: mutants N, mount failures N, read errors N, ..." and exits
 * 0 when nothing failed (the kernel log is checked by the caller).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define DOMAIN		"domain_id=erofs-fuzz"
#define ALONE		"domain_id=erofs-fuzz-alone"
#define WORK		"/tmp/fuzz"
#define MUTANT		WORK "/mutant.erofs"
#define MNT		WORK "/m"
#define MAX_BASES	32
#define MAX_VALID	16
#define READ_CAP	(1 << 20)	/* bytes read per file at most */
#define MAP_CAP		(1 << 20)	/* bytes mapped per file at most */
#define MAX_ENTRIES	4096		/* per mutant: a mutated dir may loop */
#define MAX_DEPTH	16

struct stats {
	long entries, read_errors, bytes;
	long progress;		/* reads and mapped pages: the child moves */
};

static struct stats *st;	/* shared with the child of each mutant */
static int dontneed;		/* drop a file's pages before reading it */
static sigjmp_buf bus_jmp;
static volatile sig_atomic_t in_map;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz-guest: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void kmsg(const char *fmt, ...)
{
	static int fd = -2;
	char buf[512];
	va_list ap;
	int n;

	if (fd == -2)
		fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (fd >= 0 && n > 0)
		(void)!write(fd, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1);
}

static void on_bus(int sig)
{
	(void)sig;
	if (in_map)
		siglongjmp(bus_jmp, 1);
	_exit(3);
}

static int loop_attach(const char *file, char *dev, size_t len)
{
	struct loop_config cfg;
	int ctl, fd, lfd = -1, nr, tries;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ctl < 0)
		die("cannot open %s or /dev/loop-control: %m", file);
	for (tries = 0; tries < 20; tries++) {
		nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (nr < 0)
			die("LOOP_CTL_GET_FREE: %m");
		snprintf(dev, len, "/dev/loop%d", nr);
		lfd = open(dev, O_RDONLY | O_CLOEXEC);
		if (lfd < 0)
			die("open %s: %m", dev);
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = fd;
		cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
		if (!ioctl(lfd, LOOP_CONFIGURE, &cfg))
			break;
		if (errno != EBUSY)
			die("LOOP_CONFIGURE %s: %m", dev);
		close(lfd);
		lfd = -1;
	}
	close(ctl);
	close(fd);
	if (lfd < 0)
		die("no free loop device");
	return lfd;
}

/* mount @file on @dir in a domain, through a loop device or not */
static int do_mount(const char *file, const char *dir, int loop,
		    const char *opts)
{
	char dev[64];
	int lfd = -1, ret = 0;

	if (loop)
		lfd = loop_attach(file, dev, sizeof(dev));
	if (mount(loop ? dev : file, dir, "erofs", MS_RDONLY, opts))
		ret = -errno;
	if (lfd >= 0)
		close(lfd);	/* autoclear: goes with the filesystem */
	return ret;
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void error(const char *what, const char *path)
{
	st->read_errors++;
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "  %s %s: %m\n", what, path);
}

static uint64_t read_file(const char *path, const struct stat *sb)
{
	static char buf[65536];
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t maplen;
	long total = 0;
	ssize_t n;
	char *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error("open", path);
		return 0;
	}
	/* shared pages go, so the fill runs again through the cheapest sharer */
	if (dontneed)
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	while (total < READ_CAP && (n = read(fd, buf, sizeof(buf))) > 0) {
		h = fnv(h, (unsigned char *)buf, n);
		total += n;
		st->progress++;
	}
	if (n < 0)
		error("read", path);
	st->bytes += total;
	maplen = sb->st_size < MAP_CAP ? sb->st_size : MAP_CAP;
	if (maplen) {
		map = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			error("mmap", path);
		} else {
			volatile char c = 0;
			size_t off;

			in_map = 1;
			if (sigsetjmp(bus_jmp, 1)) {
				errno = EIO;
				error("mmap fault (SIGBUS)", path);
			} else {
				for (off = 0; off < maplen; off += 4096) {
					c += map[off];
					st->progress++;
				}
				c += map[maplen - 1];
			}
			in_map = 0;
			munmap(map, maplen);
		}
	}
	close(fd);
	return h;
}

static void read_xattrs(const char *path)
{
	char names[65536], value[65536], *p;
	ssize_t n;

	n = llistxattr(path, names, sizeof(names));
	if (n < 0) {
		if (errno != ENOTSUP)
			error("listxattr", path);
		return;
	}
	for (p = names; p < names + n; p += strlen(p) + 1)
		if (lgetxattr(path, p, value, sizeof(value)) < 0 &&
		    errno != ENODATA)
			error("getxattr", path);
}

/*
 * everything under @dir; with @sums, the hash of each regular file in
 * order (the valid mounts' reference), into sums[0..*nr)
 */
static void walk(const char *dir, int depth, uint64_t *sums, int *nr)
{
	char path[4096], link[4096];
	struct dirent *d;
	struct stat sb;
	DIR *dp;

	if (depth > MAX_DEPTH)
		return;
	dp = opendir(dir);
	if (!dp) {
		error("opendir", dir);
		return;
	}
	for (;;) {
		errno = 0;
		d = readdir(dp);
		if (!d) {
			if (errno)
				error("readdir", dir);
			break;
		}
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (++st->entries > MAX_ENTRIES)
			break;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (lstat(path, &sb)) {
			error("lstat", path);
			continue;
		}
		read_xattrs(path);
		if (S_ISDIR(sb.st_mode)) {
			walk(path, depth + 1, sums, nr);
		} else if (S_ISREG(sb.st_mode)) {
			uint64_t h = read_file(path, &sb);

			if (sums)
				sums[(*nr)++ % MAX_ENTRIES] = h;
		} else if (S_ISLNK(sb.st_mode)) {
			if (readlink(path, link, sizeof(link)) < 0)
				error("readlink", path);
		}
	}
	closedir(dp);
}

struct base {
	char path[4096];
	char *data;
	size_t size;
};

static struct base bases[MAX_BASES];
static int nr_valid;
static uint64_t *valid_sums[MAX_VALID];
static int valid_nr[MAX_VALID];

static void load_base(int i, const char *path)
{
	struct stat sb;
	int fd;

	if (i < 0 || i >= MAX_BASES)
		die("base index %d out of range", i);
	snprintf(bases[i].path, sizeof(bases[i].path), "%s", path);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb))
		die("%s: %m", path);
	bases[i].size = sb.st_size;
	bases[i].data = malloc(sb.st_size);
	if (!bases[i].data || read(fd, bases[i].data, sb.st_size) != sb.st_size)
		die("cannot read %s", path);
	close(fd);
}

/* write the mutant: the base, truncated or not, then the patches */
static void write_mutant(struct base *b, size_t size, char *patches)
{
	char *tok, *save = NULL;
	int fd;

	fd = open(MUTANT, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(MUTANT ": %m");
	if (write(fd, b->data, size < b->size ? size : b->size) < 0)
		die("write " MUTANT ": %m");
	for (tok = strtok_r(patches, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		char *hex = strchr(tok, ':');
		unsigned char bytes[4096];
		size_t n = 0;
		long off;

		if (!hex)
			die("bad patch %s", tok);
		off = strtol(tok, NULL, 10);
		for (hex++; hex[0] && hex[1] && n < sizeof(bytes); hex += 2) {
			unsigned int v;

			sscanf(hex, "%2x", &v);
			bytes[n++] = v;
		}
		if ((size_t)off < size &&
		    pwrite(fd, bytes, (size_t)off + n > size ? size - off : n, off) < 0)
			die("pwrite: %m");
	}
	close(fd);
}

/*
 * copy @src to @dst on the ramfs: a file-backed mount of an image on the
 * guest's 9p root would take 9p's i_rwsem under erofs' invalidate_lock,
 * an order lockdep reports for every netfs backing file, erofs' own
 */
static void copy_to_ramfs(const char *src, const char *dst)
{
	char buf[65536];
	ssize_t n;
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (in < 0 || out < 0)
		die("copy %s to %s: %m", src, dst);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			die("write %s: %m", dst);
	if (n < 0)
		die("read %s: %m", src);
	close(in);
	close(out);
}

static int mount_valid(char **valid, int n)
{
	char dir[256], copy[256];
	int i, ret;

	for (i = 0; i < n && i < MAX_VALID; i++) {
		snprintf(dir, sizeof(dir), WORK "/v%d", i);
		snprintf(copy, sizeof(copy), WORK "/v%d.erofs", i);
		mkdir(dir, 0755);
		copy_to_ramfs(valid[i], copy);
		ret = do_mount(copy, dir, i % 2, DOMAIN);
		if (ret)
			die("cannot mount the valid image %s: %s", valid[i], strerror(-ret));
		valid_sums[i] = calloc(MAX_ENTRIES, sizeof(uint64_t));
		walk(dir, 0, valid_sums[i], &valid_nr[i]);
	}
	return i;
}

/* a /proc/meminfo field in kB */
static long meminfo(const char *field)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) && line[strlen(field)] == ':')
			v = atol(line + strlen(field) + 1);
	fclose(f);
	return v;
}

/* drop caches, then the valid mounts must read as they did; mismatches */
static long check_valid(void)
{
	uint64_t sums[MAX_ENTRIES];
	char dir[256];
	long bad = 0;
	int i, j, nr, fd;

	printf("fuzz: cached %ld kB, inactive(file) %ld kB, before drop_caches\n",
	       meminfo("Cached"), meminfo("Inactive(file)"));
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd < 0 || write(fd, "3", 1) != 1)
		die("drop_caches: %m");
	close(fd);
	for (i = 0; i < nr_valid; i++) {
		nr = 0;
		snprintf(dir, sizeof(dir), WORK "/v%d", i);
		walk(dir, 0, sums, &nr);
		for (j = 0; j < nr && j < MAX_ENTRIES; j++)
			bad += nr != valid_nr[i] || sums[j] != valid_sums[i][j];
	}
	return bad;
}

static long counter(const char *name)
{
	char path[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/fs/erofs/ishare/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * child: mount, read, unmount; exit 0 read, 1 mount failed.  With @alone
 * the mutant has a domain of its own, so its fills go through it; else
 * it shares the valid mounts' domain and every file's pages are dropped
 * before it is read.
 */
static void one_mutant(int loop, int alone)
{
	int ret = do_mount(MUTANT, MNT, loop, alone ? ALONE : DOMAIN);

	if (ret) {
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "  mount: %s\n", strerror(-ret));
		_exit(1);
	}
	dontneed = !alone;
	walk(MNT, 0, NULL, NULL);
	if (umount2(MNT, 0) && umount2(MNT, MNT_DETACH))
		_exit(4);
	_exit(0);
}

int main(int argc, char **argv)
{
	long mutants = 0, mount_failures = 0, mounted = 0, killed = 0;
	long mismatches = 0, umount_failures = 0, read_errors = 0;
	int check_every = getenv("FUZZ_CHECK_EVERY") ? atoi(getenv("FUZZ_CHECK_EVERY")) : 100;
	int timeout = getenv("FUZZ_TIMEOUT") ? atoi(getenv("FUZZ_TIMEOUT")) : 60;
	static char line[1 << 20];
	int failed = 0, stuck = 0, fd;
	time_t start = time(NULL);
	struct sigaction sa = { .sa_handler = on_bus };
	FILE *plan;

	if (argc < 2)
		die("usage: fuzz-guest PLAN VALID...");
	plan = fopen(argv[1], "r");
	if (!plan)
		die("%s: %m", argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* every mutant named in the kernel log, not rate limited */
	fd = open("/proc/sys/kernel/printk_devkmsg", O_WRONLY);
	if (fd < 0 || write(fd, "on\n", 3) != 3)
		die("printk_devkmsg: %m");
	close(fd);
	sigaction(SIGBUS, &sa, NULL);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* ramfs: file-backed mounts need ->read_folio, which tmpfs lacks */
	mkdir(WORK, 0755);
	if (mount("ramfs", WORK, "ramfs", 0, NULL))
		die("mount ramfs on " WORK ": %m");
	mkdir(MNT, 0755);
	nr_valid = mount_valid(argv + 2, argc - 2);
	if (st->read_errors)
		die("the valid images do not read cleanly (%ld errors)", st->read_errors);
	printf("fuzz: %d valid mounts in the domain, %ld files each read\n",
	       nr_valid, nr_valid ? (long)valid_nr[0] : 0L);

	while (fgets(line, sizeof(line), plan)) {
		char desc[1024], *rest;
		int id, b, n, status;
		long seen;
		size_t size;
		pid_t pid;
		time_t t0;

		if (!strncmp(line, "base ", 5)) {
			char path[4096];

			if (sscanf(line, "base %d %4095s", &b, path) != 2)
				die("bad plan line %s", line);
			load_base(b, path);
			continue;
		}
		if (sscanf(line, "%d %d %zu %1023s %n", &id, &b, &size, desc, &n) < 4 ||
		    b < 0 || b >= MAX_BASES || !bases[b].data)
			die("bad plan line %s", line);
		rest = line + n;
		write_mutant(&bases[b], size, rest);
		kmsg("erofs-fuzz: mutant %d of %s: %s\n", id, bases[b].path, desc);
		memset(st, 0, sizeof(*st));
		mutants++;
		pid = fork();
		if (pid < 0)
			die("fork: %m");
		if (!pid)
			one_mutant(id % 3 == 0, id % 2);
		t0 = time(NULL);
		seen = 0;
		while (waitpid(pid, &status, WNOHANG) == 0) {
			/* stuck: no read or page fault done for @timeout s */
			if (st->progress + st->entries != seen) {
				seen = st->progress + st->entries;
				t0 = time(NULL);
			} else if (time(NULL) - t0 > timeout) {
				printf("fuzz: mutant %d stuck for %d s: %s\n", id, timeout, desc);
				kmsg("erofs-fuzz: mutant %d stuck\n", id);
				stuck = 1;
				break;
			}
			usleep(1000);
		}
		if (stuck)
			break;
		/* a reader killed mid-way (OOM) leaves its mutant mounted */
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
			while (!umount2(MNT, MNT_DETACH))
				;
		read_errors += st->read_errors;
		if (WIFSIGNALED(status)) {
			printf("fuzz: mutant %d: reader killed by signal %d: %s\n",
			       id, WTERMSIG(status), desc);
			killed++;
		} else if (WEXITSTATUS(status) == 1) {
			mount_failures++;
		} else if (WEXITSTATUS(status) == 4) {
			printf("fuzz: mutant %d: cannot unmount: %s\n", id, desc);
			umount_failures++;
		} else if (WEXITSTATUS(status) == 0) {
			mounted++;
		} else {
			printf("fuzz: mutant %d: reader exit %d: %s\n", id,
			       WEXITSTATUS(status), desc);
			killed++;
		}
		if (check_every > 0 && mutants % check_every == 0) {
			long bad = check_valid();

			if (bad)
				printf("fuzz: after mutant %d: %ld files of the valid mounts read wrong\n",
				       id, bad);
			mismatches += bad;
			/* after drop_caches: what stays cached, and sharing's own view */
			printf("fuzz: %ld mutants, %ld mount failures, %ld s; cached %ld kB, "
			       "shared_inodes %ld, cached_pages %ld\n",
			       mutants, mount_failures, (long)(time(NULL) - start),
			       meminfo("Cached"), counter("shared_inodes"),
			       counter("cached_pages"));
		}
	}
	if (!stuck) {
		char dir[256];
		int i;

		mismatches += check_valid();
		for (i = 0; i < nr_valid; i++) {
			snprintf(dir, sizeof(dir), WORK "/v%d", i);
			if (umount2(dir, 0))
				die("umount %s: %m", dir);
		}
		for (i = 0; i < 300; i++) {
			if (counter("shared_inodes") <= 0 && counter("sharer_inodes") <= 0 &&
			    counter("cached_pages") <= 0)
				break;
			usleep(10000);
		}
		if (counter("shared_inodes") > 0 || counter("sharer_inodes") > 0 ||
		    counter("cached_pages") > 0) {
			printf("fuzz: counters not back to 0: shared_inodes %ld sharer_inodes %ld cached_pages %ld\n",
			       counter("shared_inodes"), counter("sharer_inodes"),
			       counter("cached_pages"));
			failed = 1;
		}
	}
	printf("fuzz: mutants %ld, mount failures %ld, mounted and read %ld, read errors %ld, "
	       "valid-mount mismatches %ld, readers killed %ld, unmount failures %ld, stuck %d, %ld s\n",
	       mutants, mount_failures, mounted, read_errors, mismatches, killed,
	       umount_failures, stuck, (long)(time(NULL) - start));
	failed |= mismatches || killed || umount_failures || stuck;
	return failed;
}
