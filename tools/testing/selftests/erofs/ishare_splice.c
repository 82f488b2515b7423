// SPDX-License-Identifier: GPL-2.0
/*
 * splice(2) and sendfile(2) from a shared file, into a pipe, an AF_UNIX
 * socket and a loopback TCP socket, through both mounts of one domain:
 * the bytes are right and the second mount reads the pages the first one
 * brought in.  A pipe that still holds shared pages after both mounts are
 * gone (umount -l) and caches are dropped still yields the right bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ishare_lib.h"

#define CHUNK	(32 * 1024)	/* fits any pipe and socket buffer */

enum how { SPLICE, SENDFILE };
enum sink { PIPE, UNIX_SOCKET, TCP_SOCKET };

FIXTURE(splice) {
	char *want;		/* BIG_FILE from the source tree */
	size_t size;
};

FIXTURE_VARIANT(splice) {
	struct variant_images img;
};

FIXTURE_VARIANT_ADD(splice, flat_file) {
	.img = { "digest", "digest-copy", false },
};

FIXTURE_VARIANT_ADD(splice, flat_loop) {
	.img = { "digest", "digest-copy", true },
};

/* one content, two layouts: lz4 with fragments in A, flat in B */
FIXTURE_VARIANT_ADD(splice, mixed_file) {
	.img = { "digest-lz4", "digest", false },
};

FIXTURE_SETUP(splice)
{
	ssize_t n;

	ISHARE_PREPARE(true, return);

	n = ishare_slurp(ishare_tree(BIG_FILE), &self->want);
	ASSERT_GT(n, 0);
	self->size = n;
	ASSERT_EQ(0, ishare_mount(variant->img.a, MNT_A, variant->img.loop,
				  DOMAIN_OPTS));
	ASSERT_EQ(0, ishare_mount(variant->img.b, MNT_B, variant->img.loop,
				  DOMAIN_OPTS));
}

FIXTURE_TEARDOWN(splice)
{
	umount2(MNT_A, MNT_DETACH);
	umount2(MNT_B, MNT_DETACH);
	free(self->want);
}

static bool read_full(int fd, char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, buf, len);
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

/* bring up lo: a fresh network namespace or guest has it down */
static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			ret = -errno;
	}
	close(fd);
	return ret;
}

/* a connected TCP pair over 127.0.0.1: sv[0] sends, sv[1] receives */
static int tcp_pair(int sv[2])
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(addr);
	int lfd, ret = lo_up();

	if (ret)
		return ret;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	sv[0] = -1;
	sv[1] = -1;
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len))
		goto err;
	sv[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sv[0] < 0 || connect(sv[0], (struct sockaddr *)&addr, sizeof(addr)))
		goto err;
	sv[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sv[1] < 0)
		goto err;
	close(lfd);
	return 0;
err:
	ret = -errno;
	if (sv[0] >= 0)
		close(sv[0]);
	close(lfd);
	return ret;
}

/*
 * @path whole into @out, @how (splice through a pipe, or sendfile) into
 * @sink, read back from the other end; bytes copied or -errno
 */
static ssize_t copy_out(const char *path, enum how how, enum sink sink,
			char *out, size_t size)
{
	int fd, p[2] = { -1, -1 }, sv[2] = { -1, -1 }, tx, rx, ret = 0;
	size_t done = 0;
	loff_t off = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC)) {
		ret = -errno;
		goto out;
	}
	if (sink == UNIX_SOCKET &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		goto out;
	}
	if (sink == TCP_SOCKET) {
		ret = tcp_pair(sv);
		if (ret)
			goto out;
	}
	tx = sink == PIPE ? p[1] : sv[0];
	rx = sink == PIPE ? p[0] : sv[1];
	while (done < size) {
		size_t len = size - done < CHUNK ? size - done : CHUNK;

		if (how == SENDFILE)
			n = sendfile(tx, fd, &off, len);
		else
			n = splice(fd, &off, p[1], NULL, len, 0);
		if (n <= 0) {
			ret = n ? -errno : -ENODATA;
			goto out;
		}
		/* from the pipe on into the socket */
		if (how == SPLICE && sink != PIPE &&
		    splice(p[0], NULL, tx, NULL, n, 0) != n) {
			ret = -EIO;
			goto out;
		}
		if (!read_full(rx, out + done, n)) {
			ret = -EIO;
			goto out;
		}
		done += n;
	}
	/* and nothing more than the file */
	n = how == SENDFILE ? sendfile(tx, fd, &off, CHUNK) :
			      splice(fd, &off, p[1], NULL, CHUNK, 0);
	if (n)
		ret = n < 0 ? -errno : -EFBIG;
out:
	close(fd);
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	return ret ? ret : (ssize_t)done;
}

/*
 * Drop caches until none of @path's pages is left.  Sockets and pipes
 * just closed may still hold spliced pages for a moment (freed after an
 * RCU grace period or from another CPU's batch), and drop_caches skips
 * pages someone holds; pages held for good stay.  Pages left, or -errno.
 */
static long drop_all(const char *path, int *tries)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	long left = -1;

	for (*tries = 1; *tries <= 40; ++*tries) {
		if (ishare_drop_caches())
			return -errno;
		left = ishare_resident_path(path);
		if (left <= 0)
			break;
		nanosleep(&ts, NULL);
	}
	return left;
}

/*
 * with caches dropped, A then B through @sink, by splice and by sendfile:
 * the right bytes, and B finds every page A brought in
 */
static void check_sink(struct __test_metadata *_metadata, const char *want,
		       size_t size, enum sink sink)
{
	static const char * const names[] = { "splice", "sendfile" };
	char *got = malloc(size);
	enum how how;
	int tries;

	ASSERT_NE(NULL, got);
	for (how = SPLICE; how <= SENDFILE; how++) {
		ASSERT_EQ(0, drop_all(MNT_B "/" BIG_FILE, &tries))
			TH_LOG("pages still held after %d drop_caches", tries);
		if (tries > 1)
			TH_LOG("%s: caches dropped after %d tries", names[how], tries);

		memset(got, 0, size);
		EXPECT_EQ((ssize_t)size, copy_out(MNT_A "/" BIG_FILE, how, sink,
						  got, size)) TH_LOG("%s", names[how]);
		EXPECT_EQ(0, memcmp(want, got, size))
			TH_LOG("%s from A: wrong bytes", names[how]);

		EXPECT_EQ((long)ishare_pages(size),
			  ishare_resident_path(MNT_B "/" BIG_FILE))
			TH_LOG("%s from A did not fill B's cache", names[how]);
		memset(got, 0, size);
		EXPECT_EQ((ssize_t)size, copy_out(MNT_B "/" BIG_FILE, how, sink,
						  got, size)) TH_LOG("%s", names[how]);
		EXPECT_EQ(0, memcmp(want, got, size))
			TH_LOG("%s from B: wrong bytes", names[how]);
	}
	free(got);
}

TEST_F(splice, pipe)
{
	check_sink(_metadata, self->want, self->size, PIPE);
}

TEST_F(splice, unix_socket)
{
	check_sink(_metadata, self->want, self->size, UNIX_SOCKET);
}

/*
 * One CPU for sender, receiver and softirq: TCP frees a received skb on
 * the CPU that allocated it (skb_attempt_defer_free()), and an idle CPU
 * may keep it, and the spliced pages it holds, until its next packet.
 */
TEST_F(splice, tcp_socket)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	check_sink(_metadata, self->want, self->size, TCP_SOCKET);
}

#define HELD	(256 * 1024)	/* bytes each pipe holds */

/* a pipe of HELD bytes holding the page cache of @path from @off */
static int held_pipe(const char *path, loff_t off, int p[2])
{
	size_t done = 0;
	ssize_t n;
	int fd = -1, ret = 0;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fcntl(p[1], F_SETPIPE_SZ, HELD) < HELD) {
		ret = -errno;
		goto out;
	}
	while (done < HELD) {
		n = splice(fd, &off, p[1], NULL, HELD - done, SPLICE_F_NONBLOCK);
		if (n <= 0) {
			ret = n ? -errno : -ENODATA;
			break;
		}
		done += n;
	}
out:
	if (fd >= 0)
		close(fd);
	if (ret) {
		close(p[0]);
		close(p[1]);
	}
	return ret;
}

/*
 * Pipes hold pages spliced from A and from B; both mounts go (lazily, with
 * no file left open), caches are dropped: the pipes still give the bytes.
 */
TEST_F(splice, pipe_outlives_umount)
{
	int pa[2], pb[2];
	char *got = malloc(HELD);

	ASSERT_NE(NULL, got);
	ASSERT_LE(2 * HELD, self->size);
	ASSERT_EQ(0, ishare_drop_caches());
	ASSERT_EQ(0, held_pipe(MNT_A "/" BIG_FILE, 0, pa));
	ASSERT_EQ(0, held_pipe(MNT_B "/" BIG_FILE, HELD, pb));
	/* B's pages went into the one shared cache A filled in part */
	EXPECT_LE((long)ishare_pages(2 * HELD),
		  ishare_resident_path(MNT_A "/" BIG_FILE));

	ASSERT_EQ(0, umount2(MNT_A, MNT_DETACH));
	ASSERT_EQ(0, umount2(MNT_B, MNT_DETACH));
	ASSERT_EQ(0, ishare_drop_caches());
	/* the last filesystem of the domain is gone: so is its shared inode */
	EXPECT_EQ(0, ishare_counter_settle("ishare", "shared_inodes", 0));

	ASSERT_TRUE(read_full(pa[0], got, HELD));
	EXPECT_EQ(0, memcmp(self->want, got, HELD))
		TH_LOG("pipe from A: wrong bytes after umount");
	ASSERT_TRUE(read_full(pb[0], got, HELD));
	EXPECT_EQ(0, memcmp(self->want + HELD, got, HELD))
		TH_LOG("pipe from B: wrong bytes after umount");
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
	free(got);
}

TEST_HARNESS_MAIN
