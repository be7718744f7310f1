// SPDX-License-Identifier: GPL-2.0
/*
 * regpoke - read, or change bits of, one 32-bit register of a PCI memory
 * BAR from user space, or write several in turn, for the rnet selftests (a
 * device fault the driver must ride out, such as a transmitter turned off
 * under it, or an interrupt on a shared line that is not the driver's).
 *
 *   regpoke RESOURCE OFFSET                 print the register
 *   regpoke RESOURCE OFFSET SET CLEAR       write (old & ~CLEAR) | SET
 *   regpoke RESOURCE -w OFFSET=VALUE...     write each VALUE, in order,
 *                                           without reading anything
 *
 * RESOURCE is a BAR's file in sysfs (/sys/bus/pci/devices/D/resource0);
 * OFFSET, SET, CLEAR and VALUE are numbers in C notation. The first two
 * forms print the value read (and the value written) in hex; all exit 1
 * with a message on any error, before anything is written.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WRITES 16

static int number(const char *s, unsigned long *out)
{
	char *end;

	/* strtoul() skips blanks and takes "-4" as a huge number: digits only. */
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || *end ? -1 : 0;
}

/* OFFSET=VALUE into its two numbers. */
static int assignment(const char *s, unsigned long *off, unsigned long *val)
{
	char buf[64];
	char *eq;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	eq = strchr(buf, '=');
	if (!eq)
		return -1;
	*eq = '\0';
	return number(buf, off) || number(eq + 1, val) || *val > UINT32_MAX ? -1 : 0;
}

static int bad_args(void)
{
	fprintf(stderr, "usage: regpoke RESOURCE OFFSET [SET CLEAR]\n"
			"       regpoke RESOURCE -w OFFSET=VALUE...\n");
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long offs[MAX_WRITES], vals[MAX_WRITES];
	unsigned long set = 0, clear = 0;
	int i, n = 0, seq;
	uint32_t *reg, new;
	struct stat st;
	uint32_t old;
	void *map;
	int fd;

	if (argc < 3)
		return bad_args();
	seq = !strcmp(argv[2], "-w");
	if (seq) {
		n = argc - 3;
		if (n < 1 || n > MAX_WRITES)
			return bad_args();
		for (i = 0; i < n; i++)
			if (assignment(argv[3 + i], &offs[i], &vals[i]))
				return bad_args();
	} else {
		n = 1;
		if ((argc != 3 && argc != 5) || number(argv[2], &offs[0]) ||
		    (argc == 5 && (number(argv[3], &set) || number(argv[4], &clear) ||
				   set > UINT32_MAX || clear > UINT32_MAX)))
			return bad_args();
	}
	fd = open(argv[1], O_RDWR | O_SYNC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "regpoke: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (offs[i] % 4 || st.st_size < 4 ||
		    offs[i] > (unsigned long)st.st_size - 4) {
			fprintf(stderr, "regpoke: offset %#lx outside the %ld-byte BAR\n",
				offs[i], (long)st.st_size);
			return 1;
		}
	}
	map = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "regpoke: mmap %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* 32-bit accesses, which the compiler may not split, merge or drop. */
	if (seq) {
		for (i = 0; i < n; i++) {
			reg = (uint32_t *)((char *)map + offs[i]);
			__atomic_store_n(reg, (uint32_t)vals[i], __ATOMIC_SEQ_CST);
		}
		return 0;
	}
	reg = (uint32_t *)((char *)map + offs[0]);
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
