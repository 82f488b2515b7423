// SPDX-License-Identifier: GPL-2.0
/*
 * Memory-pressure soak: flat and compressed images of one domain read for
 * ISHARE_SOAK_SECONDS (default 180) by processes inside a memory cgroup
 * whose memory.high is far below what they read, and by one outside it,
 * while slab reclaim (drop_caches=2) runs now and then.  Readers read
 * whole files, close early after one byte (head -c1) or map them; every
 * byte is checked against the source tree.  No wrong byte, no hung task
 * (hung_task_timeout_secs=30 where the kernel has the detector), and the
 * counters go back to 0 after the last unmount.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define CGROUP		"/tmp/cg"
#define SOAK_CG		CGROUP "/ishare-soak"
/*
 * Reclaim runs in the cgroup above memory.high, and no task of it is ever
 * OOM-killed below memory.max: three readers may hold 2 MiB of anonymous
 * memory each (a whole sparse-2M read), which no reclaim can take without
 * swap, and memory.max at 8M once OOM-killed one of them.
 */
#define MEMORY_HIGH	"8M"
#define MEMORY_MAX	"24M"
#define READERS		4	/* the last one outside the cgroup */
#define HUNG_TASK	"/proc/sys/kernel/hung_task_timeout_secs"

static const char * const mounts[] = { MNT_A, MNT_B, MNT_C };

/* what a reader did, shared with the parent */
struct soak_stats {
	long reads, early_closes, maps, wrong;
	char first_wrong[256];
};

FIXTURE(soak) {
	char *want[64];		/* ishare_files, from the source tree */
	ssize_t size[64];
	struct soak_stats *stats;	/* READERS of them, shared */
	char hung_task[32];	/* HUNG_TASK before the test, to restore */
};

FIXTURE_SETUP(soak)
{
	unsigned int i;

	ISHARE_PREPARE(true, return);
	ASSERT_GE(ARRAY_SIZE(self->want), ishare_nr_files);
	for (i = 0; i < ishare_nr_files; i++) {
		self->size[i] = ishare_slurp(ishare_tree(ishare_files[i]),
					     &self->want[i]);
		ASSERT_LE(0, self->size[i]) TH_LOG("%s", ishare_files[i]);
	}
	self->stats = mmap(NULL, READERS * sizeof(*self->stats),
			   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
	ASSERT_NE(MAP_FAILED, self->stats);
}

FIXTURE_TEARDOWN(soak)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mounts); i++)
		umount2(mounts[i], MNT_DETACH);
	umount2(CGROUP, MNT_DETACH);
	/* later tests and programs get the kernel's own timeout back */
	if (self->hung_task[0])
		ishare_write_str(HUNG_TASK, self->hung_task);
	for (i = 0; i < ishare_nr_files; i++)
		free(self->want[i]);
}

/* a counter of memory.events (cgroup v2); -1 if missing */
static long memory_event(const char *name)
{
	char key[64];
	long value;
	FILE *f = fopen(SOAK_CG "/memory.events", "re");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &value) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return value;
		}
	}
	fclose(f);
	return -1;
}

static void wrong(struct soak_stats *st, const char *path, const char *how)
{
	if (!st->wrong++)
		snprintf(st->first_wrong, sizeof(st->first_wrong), "%.200s: %s",
			 path, how);
}

/* one reader until @deadline: random mount, file and way of reading */
static void reader(char * const *want, const ssize_t *sizes,
		   struct soak_stats *st, time_t deadline)
{
	char path[PATH_MAX], c;
	unsigned int seed = getpid();

	while (time(NULL) < deadline) {
		unsigned int f = rand_r(&seed) % ishare_nr_files;
		const char *m = mounts[rand_r(&seed) % ARRAY_SIZE(mounts)];
		size_t size = sizes[f];
		char *buf;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", m, ishare_files[f]);
		switch (rand_r(&seed) % 3) {
		case 0:		/* whole file */
			if (ishare_slurp(path, &buf) != (ssize_t)size) {
				wrong(st, path, "short read");
				break;
			}
			if (memcmp(buf, want[f], size))
				wrong(st, path, "wrong bytes (read)");
			free(buf);
			st->reads++;
			break;
		case 1:		/* head -c1 */
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || read(fd, &c, 1) != 1 ||
			    c != want[f][0])
				wrong(st, path, "wrong first byte");
			if (fd >= 0)
				close(fd);
			st->early_closes++;
			break;
		default:	/* a shared mapping, checked page by page */
			buf = ishare_map(path, size, MAP_SHARED);
			if (buf == MAP_FAILED) {
				wrong(st, path, "mmap failed");
				break;
			}
			if (memcmp(buf, want[f], size))
				wrong(st, path, "wrong bytes (mmap)");
			munmap(buf, size);
			st->maps++;
			break;
		}
	}
	_exit(0);
}

static unsigned int soak_seconds(void)
{
	const char *env = getenv("ISHARE_SOAK_SECONDS");

	return env && atoi(env) > 0 ? atoi(env) : 180;
}

TEST_F_TIMEOUT(soak, memory_pressure, 3600)
{
	unsigned int seconds = soak_seconds(), i;
	pid_t pids[READERS];
	char log[16384], pid[32];
	time_t deadline;
	long total = 0;
	int kmsg, status, fd;

	/* a file never read through two mounts would not prove sharing */
	ASSERT_EQ(0, ishare_mount("digest", MNT_A, true, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("digest-lz4hc", MNT_B, false, DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount("digest-lz4", MNT_C, true, DOMAIN_OPTS));

	ASSERT_EQ(0, mkdir(CGROUP, 0755));
	ASSERT_EQ(0, mount("cgroup2", CGROUP, "cgroup2", 0, NULL));
	ASSERT_EQ(0, ishare_write_str(CGROUP "/cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, mkdir(SOAK_CG, 0755));
	ASSERT_EQ(0, ishare_write_str(SOAK_CG "/memory.high", MEMORY_HIGH));
	ASSERT_EQ(0, ishare_write_str(SOAK_CG "/memory.max", MEMORY_MAX));
	fd = open(HUNG_TASK, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ASSERT_LT(0, read(fd, self->hung_task,
				  sizeof(self->hung_task) - 1));
		close(fd);
		ASSERT_EQ(0, ishare_write_str(HUNG_TASK, "30"));
	}

	kmsg = ishare_kmsg_open();
	deadline = time(NULL) + seconds;
	for (i = 0; i < READERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			snprintf(pid, sizeof(pid), "%d", getpid());
			if (i < READERS - 1 &&
			    ishare_write_str(SOAK_CG "/cgroup.procs", pid))
				_exit(2);
			reader(self->want, self->size, &self->stats[i], deadline);
		}
	}
	/* slab reclaim takes the sharers of closed files, again and again */
	while (time(NULL) < deadline) {
		sleep(5);
		EXPECT_EQ(0, ishare_drop_caches_mode(2));
	}
	for (i = 0; i < READERS; i++) {
		struct soak_stats *st = &self->stats[i];

		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("reader %u: status %d", i, status);
		EXPECT_EQ(0, st->wrong) TH_LOG("reader %u: first: %s", i,
					       st->first_wrong);
		TH_LOG("reader %u%s: %ld reads, %ld early closes, %ld maps", i,
		       i < READERS - 1 ? " (memory.high " MEMORY_HIGH ")" : "",
		       st->reads, st->early_closes, st->maps);
		total += st->reads + st->early_closes + st->maps;
	}
	TH_LOG("%u s: %ld files read", seconds, total);
	EXPECT_LT(100, total);

	ishare_kmsg_read(kmsg, log, sizeof(log));
	EXPECT_EQ(NULL, strstr(log, "blocked for more than"))
		TH_LOG("kernel log:\n%s", log);
	EXPECT_EQ(NULL, strstr(log, "BUG"));
	EXPECT_EQ(NULL, strstr(log, "WARNING"));

	/* the cgroup really was over memory.high, again and again */
	TH_LOG("memory.events: high %ld, max %ld, oom_kill %ld",
	       memory_event("high"), memory_event("max"),
	       memory_event("oom_kill"));
	EXPECT_LT(0, memory_event("high"));
	EXPECT_EQ(0, memory_event("oom_kill"));
	EXPECT_EQ(0, rmdir(SOAK_CG));
	for (i = 0; i < ARRAY_SIZE(mounts); i++)
		EXPECT_EQ(0, umount2(mounts[i], 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "shared_inodes", 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "sharer_inodes", 0));
	EXPECT_EQ(0, ishare_counter_settle("ishare", "cached_pages", 0));
}

TEST_HARNESS_MAIN
