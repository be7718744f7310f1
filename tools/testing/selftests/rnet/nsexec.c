// SPDX-License-Identifier: GPL-2.0
/*
 * nsexec - run a command in a named network namespace, for the rnet
 * selftests, as "ip netns exec NS CMD..." does: the namespace of
 * /run/netns/NS, a mount namespace of the command's own in which /sys
 * is mounted again (so that /sys/class/net shows NS's devices), then
 * CMD. iproute2's start-up (seven shared libraries) costs about 120 ms of
 * a vCPU per call in the debug flavour, and the selftests make thousands.
 *
 *   nsexec NS CMD [ARG...]
 *
 * Exits 1 with a message if NS cannot be entered, 127 if CMD cannot be
 * run; otherwise CMD's own status.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int fail(const char *what, const char *name)
{
	fprintf(stderr, "nsexec: %s %s: %s\n", what, name, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long flags = 0;
	struct statvfs st;
	char path[256];
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: nsexec NS CMD [ARG...]\n");
		return 1;
	}
	if (strchr(argv[1], '/') ||
	    snprintf(path, sizeof(path), "/run/netns/%s", argv[1]) >= (int)sizeof(path)) {
		fprintf(stderr, "nsexec: bad namespace name %s\n", argv[1]);
		return 1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("cannot open", path);
	if (setns(fd, CLONE_NEWNET))
		return fail("cannot enter", path);
	close(fd);
	/* Mounts made below stay in this process's own mount namespace. */
	if (unshare(CLONE_NEWNS))
		return fail("cannot unshare the mount namespace for", argv[1]);
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL))
		return fail("cannot make / a slave mount for", argv[1]);
	/* The old /sys shows the old namespace's devices: a new one. */
	if (statvfs("/sys", &st) == 0 && (st.f_flag & ST_RDONLY))
		flags = MS_RDONLY;
	umount2("/sys", MNT_DETACH);	/* none mounted is fine */
	if (mount(argv[1], "/sys", "sysfs", flags, NULL))
		return fail("cannot mount /sys for", argv[1]);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "nsexec: cannot run %s: %s\n", argv[2], strerror(errno));
	return 127;
}
