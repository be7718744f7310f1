// SPDX-License-Identifier: GPL-2.0
/*
 * regpoke - read, or change bits of, one 32-bit register of a PCI memory
 * BAR from user space, for the rnet selftests (a device fault the driver
 * must ride out, such as a transmitter turned off under it).
 *
 *   regpoke RESOURCE OFFSET                 print the register
 *   regpoke RESOURCE OFFSET SET CLEAR       write (old & ~CLEAR) | SET
 *
 * RESOURCE is a BAR's file in sysfs (/sys/bus/pci/devices/D/resource0);
 * OFFSET, SET and CLEAR are numbers in C notation. Prints the value read
 * (and the value written) in hex; exits 1 with a message on any error.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int number(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long off, set = 0, clear = 0;
	uint32_t *reg, new;
	struct stat st;
	uint32_t old;
	void *map;
	int fd;

	if ((argc != 3 && argc != 5) || number(argv[2], &off) ||
	    (argc == 5 && (number(argv[3], &set) || number(argv[4], &clear)))) {
		fprintf(stderr, "usage: regpoke RESOURCE OFFSET [SET CLEAR]\n");
		return 1;
	}
	fd = open(argv[1], O_RDWR | O_SYNC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "regpoke: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (off % 4 || off + 4 > (unsigned long)st.st_size) {
		fprintf(stderr, "regpoke: offset %#lx outside the %ld-byte BAR\n",
			off, (long)st.st_size);
		return 1;
	}
	map = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "regpoke: mmap %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* One 32-bit access each way, which the compiler may not split or drop. */
	reg = (uint32_t *)((char *)map + off);
	old = __atomic_load_n(reg, __ATOMIC_SEQ_CST);
	if (argc == 3) {
		printf("%#010x\n", old);
		return 0;
	}
	new = (old & ~(uint32_t)clear) | (uint32_t)set;
	__atomic_store_n(reg, new, __ATOMIC_SEQ_CST);
	printf("%#010x -> %#010x\n", old, new);
	return 0;
}
