// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_mount SOURCE TARGET [OPTIONS]: mount(2) erofs read-only without
 * mount(8), which would put a loop device in front of a regular file and
 * so never exercise erofs' own file-backed mounts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

int main(int argc, char *argv[])
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s SOURCE TARGET [OPTIONS]\n", argv[0]);
		return 2;
	}
	if (mount(argv[1], argv[2], "erofs", MS_RDONLY,
		  argc == 4 ? argv[3] : NULL)) {
		fprintf(stderr, "mount %s on %s: %s\n", argv[1], argv[2],
			strerror(errno));
		return 1;
	}
	return 0;
}
