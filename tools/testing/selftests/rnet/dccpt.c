// SPDX-License-Identifier: GPL-2.0
/*
 * dccpt: the DCCP socket calls of the rnet selftests, one per run, each
 * printing what happened on one line ("ok", or "errno N (text)").
 *
 *   dccpt socket                   socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP)
 *   dccpt listen PORT SECS         bind, listen, hold the socket SECS s
 *   dccpt bind PORT                bind only, then close
 *   dccpt connect ADDR PORT        blocking connect (5 s at most)
 *   dccpt raw SRC DST PORT KIND    one hand-made packet on a raw socket,
 *                                  from SRC: KIND valid (a Request, its
 *                                  checksum computed here, independently
 *                                  of dccp_rust's codec), badcsum (the
 *                                  same with a wrong checksum) or short
 *                                  (8 bytes)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif
#ifndef IPPROTO_DCCP
#define IPPROTO_DCCP 33
#endif

static int report(int rc)
{
	if (rc < 0)
		printf("errno %d (%s)\n", errno, strerror(errno));
	else
		printf("ok\n");
	fflush(stdout);
	return 0;
}

static int dccp_socket(void)
{
	return socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP);
}

static void addr_of(struct sockaddr_in *a, const char *ip, const char *port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(atoi(port));
	a->sin_addr.s_addr = ip ? inet_addr(ip) : htonl(INADDR_ANY);
}

static int do_listen(const char *port, int secs, int do_listen_call)
{
	struct sockaddr_in a;
	int fd = dccp_socket();

	if (fd < 0)
		return report(-1);
	addr_of(&a, NULL, port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return report(-1);
	if (do_listen_call && listen(fd, 5) < 0)
		return report(-1);
	report(0);
	sleep(secs);
	close(fd);
	return 0;
}

static int do_connect(const char *ip, const char *port)
{
	struct timeval tv = { .tv_sec = 5 };
	struct sockaddr_in a;
	int fd = dccp_socket();

	if (fd < 0)
		return report(-1);
	/* A lost answer ends the call with EINPROGRESS, not a hung test. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	addr_of(&a, ip, port);
	report(connect(fd, (struct sockaddr *)&a, sizeof(a)));
	close(fd);
	return 0;
}

/* The one's-complement sum of @len bytes. */
static uint32_t sum16(uint32_t s, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

/*
 * A DCCP-Request with 48-bit sequence numbers (RFC 4340 5.1), its checksum
 * over the pseudo-header and the whole packet (CsCov 0, section 9).
 */
static int do_raw(const char *src, const char *ip, const char *port,
		  const char *kind)
{
	unsigned char p[20] = { 0 }, ph[12];
	uint32_t s, saddr = inet_addr(src);
	struct sockaddr_in a;
	size_t len = sizeof(p);
	uint16_t sport = htons(40000), dport, c;
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_DCCP);

	if (fd < 0)
		return report(-1);
	addr_of(&a, ip, port);
	dport = a.sin_port;
	a.sin_port = 0;
	memcpy(p, &sport, 2);
	memcpy(p + 2, &dport, 2);
	p[4] = 5;		/* Data Offset: 20 bytes */
	p[8] = 0 << 1 | 1;	/* Request, X = 1 */
	p[15] = 1;		/* sequence number 1 */
	p[19] = 42;		/* Service Code 42 */
	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &a.sin_addr.s_addr, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_DCCP;
	ph[10] = 0;
	ph[11] = sizeof(p);
	s = sum16(sum16(0, ph, sizeof(ph)), p, sizeof(p));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	c = htons((uint16_t)~s);
	memcpy(p + 6, &c, 2);
	if (!strcmp(kind, "short"))
		len = 8;
	else if (!strcmp(kind, "badcsum"))
		p[7] ^= 0x5a;
	else if (strcmp(kind, "valid"))
		return fprintf(stderr, "unknown kind %s\n", kind), 2;
	report(sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof(a)));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "socket")) {
		int fd = dccp_socket();

		report(fd);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2], atoi(argv[3]), 1);
	if (argc == 3 && !strcmp(argv[1], "bind"))
		return do_listen(argv[2], 0, 0);
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return do_connect(argv[2], argv[3]);
	if (argc == 6 && !strcmp(argv[1], "raw"))
		return do_raw(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: see the comment at the top of dccpt.c\n");
	return 2;
}
